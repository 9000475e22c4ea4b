import type { Queryable } from '../../shared/db/pool.ts';

export type ChangeEmailKind = 'rescheduled' | 'cancelled';

export interface ChangeEmailRow {
  bookingId: string;
  kind: ChangeEmailKind;
  sequence: number;
  startTime: Date;
  endTime: Date;
  refundAmount: number | null;
  changedAt: Date;
  sentAt: Date | null;
  priceAmount: number;
  currency: string;
  contactEmail: string | null;
  confirmedAt: Date | null;
  professional: { name: string; timeZone: string };
}

/** The email of one change, with the booking's times as that change left them; false when it was already recorded. */
export async function insertChangeEmail(
  db: Queryable,
  e: { bookingId: string; kind: ChangeEmailKind; sequence: number; startTime: Date; endTime: Date; refundAmount: number | null; changedAt: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO booking_emails (booking_id, kind, sequence, start_time, end_time, refund_amount, changed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [e.bookingId, e.kind, e.sequence, e.startTime, e.endTime, e.refundAmount, e.changedAt],
  );
  return rowCount === 1;
}

/** Locks the email's row until the caller's transaction ends: concurrent senders of one email take turns. */
export async function lockChangeEmail(db: Queryable, bookingId: string, kind: ChangeEmailKind, sequence: number): Promise<ChangeEmailRow | undefined> {
  const { rows } = await db.query(
    `SELECT e.booking_id, e.kind, e.sequence, e.start_time, e.end_time, e.refund_amount, e.changed_at, e.sent_at,
            b.price_amount, b.currency, b.contact_email, b.confirmed_at, p.name AS professional_name, p.time_zone
     FROM booking_emails e JOIN bookings b ON b.id = e.booking_id JOIN professionals p ON p.id = b.professional_id
     WHERE e.booking_id = $1 AND e.kind = $2 AND e.sequence = $3
     FOR UPDATE OF e`,
    [bookingId, kind, sequence],
  );
  const r = rows[0];
  return r
    ? {
        bookingId: r.booking_id,
        kind: r.kind,
        sequence: r.sequence,
        startTime: r.start_time,
        endTime: r.end_time,
        refundAmount: r.refund_amount,
        changedAt: r.changed_at,
        sentAt: r.sent_at,
        priceAmount: r.price_amount,
        currency: r.currency,
        contactEmail: r.contact_email,
        confirmedAt: r.confirmed_at,
        professional: { name: r.professional_name, timeZone: r.time_zone },
      }
    : undefined;
}

export async function markChangeEmailSent(db: Queryable, bookingId: string, kind: ChangeEmailKind, sequence: number): Promise<void> {
  await db.query(`UPDATE booking_emails SET sent_at = now() WHERE booking_id = $1 AND kind = $2 AND sequence = $3 AND sent_at IS NULL`, [
    bookingId,
    kind,
    sequence,
  ]);
}
