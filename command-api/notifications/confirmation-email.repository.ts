import type { Queryable } from '../../shared/db/pool.ts';
import type { BookingStatus } from '../bookings/bookings.repository.ts';

export interface ConfirmationEmailRow {
  id: string;
  status: BookingStatus;
  startTime: Date;
  endTime: Date;
  priceAmount: number;
  currency: string;
  contactEmail: string | null;
  confirmedAt: Date | null;
  sentAt: Date | null;
  professional: { name: string; timeZone: string };
}

/**
 * Serialises senders of one booking's confirmation until the caller's transaction ends, without
 * locking the booking row (which would hold up cancellations while SMTP answers).
 */
export async function lockConfirmationEmail(db: Queryable, bookingId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(7002, hashtext($1))', [bookingId]);
}

export async function findConfirmationEmail(db: Queryable, bookingId: string): Promise<ConfirmationEmailRow | undefined> {
  const { rows } = await db.query(
    `SELECT b.id, b.status, b.start_time, b.end_time, b.price_amount, b.currency, b.contact_email, b.confirmed_at,
            b.confirmation_email_sent_at, p.name AS professional_name, p.time_zone
     FROM bookings b JOIN professionals p ON p.id = b.professional_id
     WHERE b.id = $1`,
    [bookingId],
  );
  const r = rows[0];
  return r
    ? {
        id: r.id,
        status: r.status,
        startTime: r.start_time,
        endTime: r.end_time,
        priceAmount: r.price_amount,
        currency: r.currency,
        contactEmail: r.contact_email,
        confirmedAt: r.confirmed_at,
        sentAt: r.confirmation_email_sent_at,
        professional: { name: r.professional_name, timeZone: r.time_zone },
      }
    : undefined;
}

export async function markConfirmationEmailSent(db: Queryable, bookingId: string): Promise<void> {
  await db.query(`UPDATE bookings SET confirmation_email_sent_at = now() WHERE id = $1 AND confirmation_email_sent_at IS NULL`, [bookingId]);
}
