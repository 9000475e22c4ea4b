import type { Principal } from '../../shared/auth.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { decodeCursor, encodeCursor, filtersFingerprint } from './booking-cursor.ts';
import { listBookings, type Booking, type BookingStatus } from './bookings.repository.ts';

export interface ListBookingsInput {
  status?: BookingStatus;
  from?: Date;
  to?: Date;
  professionalId?: string;
  clientId?: string;
  limit: number;
  cursor?: string;
}

/**
 * One page of the bookings the caller may see (a client its own, a professional those made with it,
 * an admin all), ordered by start_time then id. The cursor is the keyset of the page's last booking:
 * bookings inserted meanwhile land before or after it, so none is ever repeated or skipped.
 */
export async function listVisibleBookings(
  deps: CommandDeps,
  principal: Principal,
  q: ListBookingsInput,
): Promise<Result<{ data: Booking[]; nextCursor: string | null }, 'validation_error'>> {
  const fingerprint = filtersFingerprint({
    status: q.status ?? null,
    from: q.from?.toISOString() ?? null,
    to: q.to?.toISOString() ?? null,
    professional_id: q.professionalId ?? null,
    client_id: q.clientId ?? null,
  });
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, fingerprint);
  if (q.cursor !== undefined && !after) {
    const message = 'cursor must be a next_cursor returned by this endpoint for the same filters';
    return fail('validation_error', message, [{ field: 'cursor', message }]);
  }
  // One extra row tells whether another page follows.
  const rows = await listBookings(deps.pool, {
    visibleClientId: principal.role === 'client' ? principal.sub : undefined,
    visibleProfessionalId: principal.role === 'professional' ? (principal.professionalId ?? principal.sub) : undefined,
    clientId: q.clientId,
    professionalId: q.professionalId,
    status: q.status,
    from: q.from,
    to: q.to,
    after,
    limit: q.limit + 1,
  });
  const data = rows.slice(0, q.limit);
  const last = data[data.length - 1];
  const nextCursor = rows.length > q.limit && last ? encodeCursor({ startTime: last.startTime, id: last.id }, fingerprint) : null;
  return ok({ data, nextCursor });
}
