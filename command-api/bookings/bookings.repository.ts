import type { Queryable } from '../../shared/db/pool.ts';
import type { Interval } from '../../shared/schedules/intervals.ts';

export type BookingStatus = 'pending' | 'confirmed' | 'cancelled' | 'expired';

export interface Booking {
  id: string;
  professionalId: string;
  clientId: string;
  startTime: Date;
  endTime: Date;
  /** [start − buffer_before, end + buffer_after) with the buffers of booking time */
  blockedStart: Date;
  blockedEnd: Date;
  status: BookingStatus;
  priceAmount: number;
  currency: string;
  paymentIntentId: string | null;
  holdExpiresAt: Date;
  idempotencyKey: string;
  contactEmail: string | null;
  paymentError: string | null;
  refundId: string | null;
  refundAmount: number | null;
  refundStatus: string | null;
  refundedAt: Date | null;
  cancellationReason: string | null;
  confirmedAt: Date | null;
  cancelledAt: Date | null;
  expiredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BookableProfessional {
  id: string;
  active: boolean;
  ratePerMinute: number;
  currency: string;
  timeZone: string;
}

const COLUMNS = `id, professional_id, client_id, start_time, end_time, blocked_start, blocked_end, status, price_amount, currency, payment_intent_id,
  hold_expires_at, idempotency_key, contact_email, payment_error, refund_id, refund_amount, refund_status, refunded_at,
  cancellation_reason, confirmed_at, cancelled_at, expired_at, created_at, updated_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toBooking(r: any): Booking {
  return {
    id: r.id,
    professionalId: r.professional_id,
    clientId: r.client_id,
    startTime: r.start_time,
    endTime: r.end_time,
    blockedStart: r.blocked_start,
    blockedEnd: r.blocked_end,
    status: r.status,
    priceAmount: r.price_amount,
    currency: r.currency,
    paymentIntentId: r.payment_intent_id,
    holdExpiresAt: r.hold_expires_at,
    idempotencyKey: r.idempotency_key,
    contactEmail: r.contact_email,
    paymentError: r.payment_error,
    refundId: r.refund_id,
    refundAmount: r.refund_amount,
    refundStatus: r.refund_status,
    refundedAt: r.refunded_at,
    cancellationReason: r.cancellation_reason,
    confirmedAt: r.confirmed_at,
    cancelledAt: r.cancelled_at,
    expiredAt: r.expired_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findBooking(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<Booking | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM bookings WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toBooking(rows[0]) : undefined;
}

export async function findBookingByPaymentIntent(db: Queryable, paymentIntentId: string, opts: { forUpdate?: boolean } = {}): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM bookings WHERE payment_intent_id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [paymentIntentId],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

export async function findBookingByIdempotencyKey(db: Queryable, clientId: string, key: string): Promise<Booking | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM bookings WHERE client_id = $1 AND idempotency_key = $2 FOR UPDATE`, [
    clientId,
    key,
  ]);
  return rows[0] ? toBooking(rows[0]) : undefined;
}

/** A booking attempt that died before answering frees its key for the client's retry. */
export async function supersedeIdempotencyKey(db: Queryable, bookingId: string): Promise<void> {
  await db.query(`UPDATE bookings SET idempotency_key = idempotency_key || '#superseded:' || id, updated_at = now() WHERE id = $1`, [
    bookingId,
  ]);
}

export async function findBookableProfessional(db: Queryable, id: string): Promise<BookableProfessional | undefined> {
  const { rows } = await db.query(`SELECT id, active, rate_per_minute, currency, time_zone FROM professionals WHERE id = $1`, [id]);
  const r = rows[0];
  return r ? { id: r.id, active: r.active, ratePerMinute: r.rate_per_minute, currency: r.currency, timeZone: r.time_zone } : undefined;
}

const toIntervals = (rows: Array<{ s: string; e: string }>): Interval[] => rows.map((r) => ({ start: Number(r.s), end: Number(r.e) }));

/** One-off availability windows intersecting [from, to), in epoch ms. */
export async function windowsBetween(db: Queryable, professionalId: string, from: Date, to: Date): Promise<Interval[]> {
  const { rows } = await db.query<{ s: string; e: string }>(
    `SELECT (extract(epoch FROM start_time) * 1000)::bigint AS s, (extract(epoch FROM end_time) * 1000)::bigint AS e
     FROM availabilities WHERE professional_id = $1 AND end_time > $2 AND start_time < $3`,
    [professionalId, from, to],
  );
  return toIntervals(rows);
}

/** Blocked ranges of live bookings intersecting [from, to), in epoch ms. */
export async function liveBlockedRanges(db: Queryable, professionalId: string, from: Date, to: Date): Promise<Interval[]> {
  const { rows } = await db.query<{ s: string; e: string }>(
    `SELECT (extract(epoch FROM blocked_start) * 1000)::bigint AS s, (extract(epoch FROM blocked_end) * 1000)::bigint AS e
     FROM bookings WHERE professional_id = $1 AND status IN ('pending', 'confirmed')
       AND tstzrange(blocked_start, blocked_end, '[)') && tstzrange($2, $3, '[)')`,
    [professionalId, from, to],
  );
  return toIntervals(rows);
}

export async function overlapsLiveBooking(db: Queryable, professionalId: string, start: Date, end: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM bookings
     WHERE professional_id = $1 AND status IN ('pending', 'confirmed')
       AND tstzrange(start_time, end_time, '[)') && tstzrange($2, $3, '[)')
     LIMIT 1`,
    [professionalId, start, end],
  );
  return (rowCount ?? 0) > 0;
}

export async function insertPendingBooking(
  db: Queryable,
  b: {
    id: string;
    professionalId: string;
    clientId: string;
    start: Date;
    end: Date;
    blocked: { start: Date; end: Date };
    priceAmount: number;
    currency: string;
    holdMinutes: number;
    idempotencyKey: string;
    contactEmail: string | null;
  },
): Promise<Booking> {
  const { rows } = await db.query(
    `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, blocked_start, blocked_end, status, price_amount,
                           currency, hold_expires_at, idempotency_key, contact_email)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, now() + make_interval(secs => $10::double precision * 60), $11, $12)
     RETURNING ${COLUMNS}`,
    [
      b.id,
      b.professionalId,
      b.clientId,
      b.start,
      b.end,
      b.blocked.start,
      b.blocked.end,
      b.priceAmount,
      b.currency,
      b.holdMinutes,
      b.idempotencyKey,
      b.contactEmail,
    ],
  );
  return toBooking(rows[0]);
}

export async function attachPaymentIntent(db: Queryable, bookingId: string, paymentIntentId: string): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET payment_intent_id = $2, updated_at = now()
     WHERE id = $1 AND (payment_intent_id IS NULL OR payment_intent_id = $2) RETURNING ${COLUMNS}`,
    [bookingId, paymentIntentId],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

/** pending → expired, only while still pending; `dueOnly` keeps holds that have not lapsed. */
export async function expirePendingBooking(db: Queryable, bookingId: string, opts: { dueOnly: boolean; reason?: string }): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET status = 'expired', expired_at = now(), updated_at = now(),
            payment_error = COALESCE($3, payment_error)
     WHERE id = $1 AND status = 'pending' AND ($2::boolean IS FALSE OR hold_expires_at <= now())
     RETURNING ${COLUMNS}`,
    [bookingId, opts.dueOnly, opts.reason ?? null],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

export async function lapsedHolds(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT id FROM bookings WHERE status = 'pending' AND hold_expires_at <= now() ORDER BY hold_expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id as string);
}

export async function markCancelled(
  db: Queryable,
  bookingId: string,
  c: { from: BookingStatus; reason: string | null; refund?: { id: string | null; amount: number; status: string | null } },
): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET status = 'cancelled', cancelled_at = now(), updated_at = now(), cancellation_reason = $3,
            refund_id = COALESCE($4, refund_id), refund_amount = COALESCE($5, refund_amount),
            refund_status = COALESCE($6, refund_status), refunded_at = CASE WHEN $4::text IS NULL THEN refunded_at ELSE now() END
     WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
    [bookingId, c.from, c.reason, c.refund?.id ?? null, c.refund?.amount ?? null, c.refund?.status ?? null],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

// --- Payment outcomes (Stripe webhook workers). Every transition is conditional on the status it
// --- leaves, so a late or repeated event can never move a booking backwards.

/** `from` → confirmed; undefined when the booking is no longer in `from`. */
export async function confirmBooking(db: Queryable, bookingId: string, from: BookingStatus): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET status = 'confirmed', confirmed_at = now(), updated_at = now()
     WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
    [bookingId, from],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

/** A declined attempt on a hold that is still pending; the client may pay again. */
export async function recordPaymentError(db: Queryable, bookingId: string, message: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE bookings SET payment_error = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
    [bookingId, message],
  );
  return rowCount === 1;
}

/**
 * Records, before Stripe is asked, that a payment which arrived too late is to be refunded, so a
 * retry never re-decides (the slot may have come free meanwhile) and confirms a refunded booking.
 */
export async function markRefundRequested(db: Queryable, bookingId: string, amount: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE bookings SET refund_status = 'requested', refund_amount = $2, updated_at = now()
     WHERE id = $1 AND status IN ('expired', 'cancelled') AND refund_status IS NULL AND refund_id IS NULL`,
    [bookingId, amount],
  );
  return rowCount === 1;
}

/** Stores the refund Stripe created; a `charge.refunded` event that came first keeps its status. */
export async function recordRefund(db: Queryable, bookingId: string, r: { id: string; amount: number; status: string }): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET refund_id = COALESCE(refund_id, $2), refund_amount = GREATEST(COALESCE(refund_amount, 0), $3),
            refund_status = CASE WHEN refund_status IS NULL OR refund_status = 'requested' THEN $4 ELSE refund_status END,
            refunded_at = COALESCE(refunded_at, now()), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [bookingId, r.id, r.amount, r.status],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

/** From a `charge.refunded` event: the charge's cumulative refunded amount only ever grows. */
export async function recordChargeRefund(
  db: Queryable,
  bookingId: string,
  r: { refundId: string | null; amountRefunded: number; status: string },
): Promise<void> {
  await db.query(
    `UPDATE bookings SET refund_id = COALESCE($2, refund_id), refund_amount = GREATEST(COALESCE(refund_amount, 0), $3),
            refund_status = $4, refunded_at = COALESCE(refunded_at, now()), updated_at = now()
     WHERE id = $1`,
    [bookingId, r.refundId, r.amountRefunded, r.status],
  );
}
