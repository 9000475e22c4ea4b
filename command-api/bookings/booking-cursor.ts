import { createHash } from 'node:crypto';
import { isUuid } from '../../shared/api-shapes.ts';
import { canonicalJson } from '../idempotency/idempotent-request.ts';

/** Where a page of GET /bookings ended: the (start_time, id) keyset of its last booking. */
export interface BookingKeyset {
  startTime: Date;
  id: string;
}

/** A cursor belongs to one set of filters; used with others it would skip or repeat bookings. */
export function filtersFingerprint(filters: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(filters)).digest('base64url').slice(0, 16);
}

export function encodeCursor(after: BookingKeyset, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ s: after.startTime.toISOString(), i: after.id, f: fingerprint })).toString('base64url');
}

/** The keyset of a cursor this API issued for these filters; undefined for anything else. */
export function decodeCursor(cursor: string, fingerprint: string): BookingKeyset | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { s, i, f } = parsed as Record<string, unknown>;
  if (typeof s !== 'string' || typeof i !== 'string' || f !== fingerprint || !isUuid(i)) return undefined;
  const startTime = new Date(s);
  if (Number.isNaN(startTime.getTime()) || startTime.toISOString() !== s) return undefined;
  return { startTime, id: i };
}
