import type { Queryable } from '../../shared/db/pool.ts';
import { liveBookingSql } from '../../shared/db/live-bookings.ts';
import type { Interval } from '../../shared/schedules/intervals.ts';
import { INITIAL_STATUS, type BookingStatus, type CancellationTier, type Relation } from './booking-lifecycle.ts';

export type { BookingStatus };

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
  cancelledBy: Relation | null;
  rescheduledAt: Date | null;
  rescheduleCount: number;
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
  cancellationPolicy: CancellationTier[];
}

const COLUMNS = `id, professional_id, client_id, start_time, end_time, blocked_start, blocked_end, status, price_amount, currency, payment_intent_id,
  hold_expires_at, idempotency_key, contact_email, payment_error, refund_id, refund_amount, refund_status, refunded_at,
  cancellation_reason, cancelled_by, rescheduled_at, reschedule_count, confirmed_at, cancelled_at, expired_at, created_at, updated_at`;

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
    cancelledBy: r.cancelled_by,
    rescheduledAt: r.rescheduled_at,
    rescheduleCount: r.reschedule_count,
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
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM bookings WHERE payment_intent_id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [paymentIntentId]);
  return rows[0] ? toBooking(rows[0]) : undefined;
}

export async function findBookingByIdempotencyKey(db: Queryable, clientId: string, key: string): Promise<Booking | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM bookings WHERE client_id = $1 AND idempotency_key = $2 FOR UPDATE`, [clientId, key]);
  return rows[0] ? toBooking(rows[0]) : undefined;
}

/** A booking attempt that died before answering frees its key for the client's retry. */
export async function supersedeIdempotencyKey(db: Queryable, bookingId: string): Promise<void> {
  await db.query(`UPDATE bookings SET idempotency_key = idempotency_key || '#superseded:' || id, updated_at = now() WHERE id = $1`, [bookingId]);
}

export async function findBookableProfessional(db: Queryable, id: string): Promise<BookableProfessional | undefined> {
  const { rows } = await db.query(`SELECT id, active, rate_per_minute, currency, time_zone, cancellation_policy FROM professionals WHERE id = $1`, [id]);
  const r = rows[0];
  return r
    ? {
        id: r.id,
        active: r.active,
        ratePerMinute: r.rate_per_minute,
        currency: r.currency,
        timeZone: r.time_zone,
        cancellationPolicy: (r.cancellation_policy as Array<{ hours_before: number; refund_percent: number }>).map((t) => ({
          hoursBefore: t.hours_before,
          refundPercent: t.refund_percent,
        })),
      }
    : undefined;
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

/** Blocked ranges of live bookings intersecting [from, to), in epoch ms; `excludeBookingId` leaves a booking's own range out (a reschedule). */
export async function liveBlockedRanges(db: Queryable, professionalId: string, from: Date, to: Date, excludeBookingId?: string): Promise<Interval[]> {
  const { rows } = await db.query<{ s: string; e: string }>(
    `SELECT (extract(epoch FROM blocked_start) * 1000)::bigint AS s, (extract(epoch FROM blocked_end) * 1000)::bigint AS e
     FROM bookings WHERE professional_id = $1 AND ${liveBookingSql()}
       AND tstzrange(blocked_start, blocked_end, '[)') && tstzrange($2, $3, '[)')
       AND ($4::uuid IS NULL OR id <> $4::uuid)`,
    [professionalId, from, to, excludeBookingId ?? null],
  );
  return toIntervals(rows);
}

export async function overlapsLiveBooking(db: Queryable, professionalId: string, start: Date, end: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM bookings
     WHERE professional_id = $1 AND ${liveBookingSql()}
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
    now: Date;
  },
): Promise<Booking> {
  const { rows } = await db.query(
    `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, blocked_start, blocked_end, status, price_amount,
                           currency, hold_expires_at, idempotency_key, contact_email)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $13, $8, $9, $14::timestamptz + make_interval(secs => $10::double precision * 60), $11, $12)
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
      INITIAL_STATUS,
      b.now,
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

/** pending → expired, only while still pending; `dueAt` keeps holds that have not lapsed by then. */
export async function expirePendingBooking(db: Queryable, bookingId: string, opts: { dueAt?: Date; reason?: string }): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET status = 'expired', expired_at = now(), updated_at = now(),
            payment_error = COALESCE($3, payment_error)
     WHERE id = $1 AND status = 'pending' AND ($2::timestamptz IS NULL OR hold_expires_at <= $2::timestamptz)
     RETURNING ${COLUMNS}`,
    [bookingId, opts.dueAt ?? null, opts.reason ?? null],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

export async function lapsedHolds(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query(`SELECT id FROM bookings WHERE status = 'pending' AND hold_expires_at <= $1 ORDER BY hold_expires_at LIMIT $2`, [now, limit]);
  return rows.map((r) => r.id as string);
}

export async function markCancelled(
  db: Queryable,
  bookingId: string,
  c: { from: BookingStatus; by: Relation; reason: string | null; refund?: { id: string | null; amount: number; status: string | null } },
): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET status = 'cancelled', cancelled_at = now(), updated_at = now(), cancellation_reason = $3, cancelled_by = $7,
            refund_id = COALESCE($4, refund_id), refund_amount = COALESCE($5, refund_amount),
            refund_status = CASE WHEN $6::text IS NULL THEN refund_status
                                 WHEN refund_status IS NULL OR refund_status = 'requested' THEN $6 ELSE refund_status END,
            refunded_at = CASE WHEN $4::text IS NULL THEN refunded_at ELSE COALESCE(refunded_at, now()) END
     WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
    [bookingId, c.from, c.reason, c.refund?.id ?? null, c.refund?.amount ?? null, c.refund?.status ?? null, c.by],
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
  const { rowCount } = await db.query(`UPDATE bookings SET payment_error = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`, [bookingId, message]);
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

/**
 * Records, before Stripe is asked, the refund a cancellation of a confirmed booking decided, so a
 * retried cancel refunds that same amount (with the same Stripe idempotency key) and never another.
 */
export async function markCancellationRefundRequested(db: Queryable, bookingId: string, amount: number): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET refund_status = 'requested', refund_amount = $2, updated_at = now()
     WHERE id = $1 AND status = 'confirmed' AND refund_id IS NULL AND (refund_status IS NULL OR refund_status = 'requested')
     RETURNING ${COLUMNS}`,
    [bookingId, amount],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

/** Moves a booking to [start, end) blocking `blocked`; its status, price and hold stay. */
export async function moveBooking(
  db: Queryable,
  bookingId: string,
  m: { start: Date; end: Date; blocked: { start: Date; end: Date }; from: BookingStatus },
): Promise<Booking | undefined> {
  const { rows } = await db.query(
    `UPDATE bookings SET start_time = $2, end_time = $3, blocked_start = $4, blocked_end = $5,
            rescheduled_at = now(), reschedule_count = reschedule_count + 1, updated_at = now()
     WHERE id = $1 AND status = $6 RETURNING ${COLUMNS}`,
    [bookingId, m.start, m.end, m.blocked.start, m.blocked.end, m.from],
  );
  return rows[0] ? toBooking(rows[0]) : undefined;
}

export interface BookingListFilter {
  /** Visibility: the caller's own bookings (client) or its professional's; none for admins. */
  clientId?: string;
  professionalId?: string;
  status?: BookingStatus;
  from?: Date;
  to?: Date;
  after?: { startTime: Date; id: string };
  limit: number;
}

/**
 * One page ordered by (start_time, id), after the keyset `after`. Each visibility condition may come
 * both from the caller's role and from a filter: both must hold.
 */
export async function listBookings(db: Queryable, f: BookingListFilter & { visibleClientId?: string; visibleProfessionalId?: string }): Promise<Booking[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM bookings
     WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR client_id = $2)
       AND ($3::text IS NULL OR professional_id = $3) AND ($4::text IS NULL OR professional_id = $4)
       AND ($5::text IS NULL OR status = $5)
       AND ($6::timestamptz IS NULL OR start_time >= $6) AND ($7::timestamptz IS NULL OR start_time < $7)
       AND ($8::timestamptz IS NULL OR (start_time, id) > ($8::timestamptz, $9::uuid))
     ORDER BY start_time, id
     LIMIT $10`,
    [
      f.visibleClientId ?? null,
      f.clientId ?? null,
      f.visibleProfessionalId ?? null,
      f.professionalId ?? null,
      f.status ?? null,
      f.from ?? null,
      f.to ?? null,
      f.after?.startTime ?? null,
      f.after?.id ?? null,
      f.limit,
    ],
  );
  return rows.map(toBooking);
}
