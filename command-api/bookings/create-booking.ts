import { randomUUID } from 'node:crypto';
import { pgErrorInfo, withTransaction, type Queryable } from '../../shared/db/pool.ts';
import { lockProfessional } from '../../shared/db/advisory-lock.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import { enqueue, QUEUES } from '../../shared/queue.ts';
import { DAY_MS, type Interval } from '../../shared/schedules/intervals.ts';
import { localDate } from '../../shared/schedules/local-time.ts';
import { blockedRange, checkBookingRules, type BookingRuleFailure } from '../../shared/schedules/schedule.ts';
import { scheduleFrom } from '../../shared/schedules/stored-schedule.ts';
import type { CommandDeps } from '../deps.ts';
import { readStoredSchedule } from '../schedules/schedules.repository.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';
import { isLive } from './booking-lifecycle.ts';
import {
  attachPaymentIntent,
  expirePendingBooking,
  findBookableProfessional,
  findBookingByIdempotencyKey,
  insertPendingBooking,
  liveBlockedRanges,
  windowsBetween,
  supersedeIdempotencyKey,
  type BookableProfessional,
  type Booking,
} from './bookings.repository.ts';

export interface CreateBookingInput {
  clientId: string;
  contactEmail: string | null;
  idempotencyKey: string;
  professionalId: string;
  start: Date;
  durationMinutes: number;
}

export type CreateBookingFailure = 'professional_not_found' | 'start_in_past' | BookingRuleFailure | 'payment_provider_error';

export interface CreatedBooking {
  booking: Booking;
  clientSecret: string | null;
}

type HoldResult = Result<Booking, Exclude<CreateBookingFailure, 'payment_provider_error'>>;

/**
 * Holds the slot in one short transaction under the professional's advisory lock (the exclusion
 * constraint is the net under it), then creates the PaymentIntent outside the lock.
 */
export async function createBooking(deps: CommandDeps, input: CreateBookingInput): Promise<Result<CreatedBooking, CreateBookingFailure>> {
  const held = await holdSlot(deps, input);
  if (!held.ok) {
    deps.metrics.bookings.inc({ outcome: held.code === 'slot_taken' ? 'conflict' : 'rejected' });
    if (held.code === 'slot_taken') deps.metrics.conflicts.inc();
    return held;
  }
  const booking = held.value;
  try {
    const intent = await deps.payments.createIntent({
      amount: booking.priceAmount,
      currency: booking.currency,
      description: `Booking ${booking.id}`,
      metadata: { booking_id: booking.id, professional_id: booking.professionalId, client_id: booking.clientId },
      idempotencyKey: `booking-${booking.id}-payment-intent`,
    });
    const attached = (await attachPaymentIntent(deps.pool, booking.id, intent.id)) ?? booking;
    if (!isLive(attached.status)) {
      // Stripe answered after the hold was already released (a stalled request): nobody may pay it.
      await deps.payments.cancelIntent(intent.id, 'abandoned').catch(() => {});
      return fail('payment_provider_error', 'The payment provider answered too late; the hold has lapsed. Retry.');
    }
    deps.metrics.bookings.inc({ outcome: 'created' });
    deps.logger.info({ booking_id: booking.id, professional_id: booking.professionalId, payment_intent_id: intent.id }, 'booking created');
    return ok({ booking: attached, clientSecret: intent.clientSecret });
  } catch (err) {
    deps.logger.error({ err: errorSummary(err), booking_id: booking.id }, 'payment intent creation failed; releasing the slot');
    await releaseSlot(deps, booking.id);
    deps.metrics.bookings.inc({ outcome: 'payment_provider_error' });
    return fail('payment_provider_error');
  }
}

async function holdSlot(deps: CommandDeps, input: CreateBookingInput): Promise<HoldResult> {
  const end = new Date(input.start.getTime() + input.durationMinutes * 60_000);
  try {
    return await withTransaction(deps.pool, async (tx): Promise<HoldResult> => {
      await lockProfessional(tx, input.professionalId);
      const earlier = await findBookingByIdempotencyKey(tx, input.clientId, input.idempotencyKey);
      if (earlier && isLive(earlier.status)) {
        // An earlier run with this key crashed after holding the slot: finish that booking.
        return ok(earlier);
      }
      if (earlier) await supersedeIdempotencyKey(tx, earlier.id);

      const professional = await findBookableProfessional(tx, input.professionalId);
      if (!professional || !professional.active) return fail('professional_not_found');
      const now = deps.now().getTime();
      if (input.start.getTime() <= now) return fail('start_in_past');
      const rules = await checkScheduleRules(tx, professional, input.start, end, now);
      if (!rules.ok) return rules;
      const blocked = rules.value;

      const booking = await insertPendingBooking(tx, {
        id: randomUUID(),
        professionalId: professional.id,
        clientId: input.clientId,
        start: input.start,
        end,
        blocked: { start: new Date(blocked.start), end: new Date(blocked.end) },
        priceAmount: professional.ratePerMinute * input.durationMinutes,
        currency: professional.currency,
        holdMinutes: deps.config.booking.holdMinutes,
        idempotencyKey: input.idempotencyKey,
        contactEmail: input.contactEmail,
        now: new Date(now),
      });
      await markSearchStale(deps.boss, tx, professional.id);
      await recordBookingEvent(deps.boss, tx, 'booking.created', booking);
      await enqueue(deps.boss, tx, QUEUES.holdExpiry, { booking_id: booking.id }, { startAfter: booking.holdExpiresAt });
      return ok(booking);
    });
  } catch (err) {
    const { code, constraint } = pgErrorInfo(err);
    if (code === '23P01' && constraint === 'bookings_no_double_booking') return fail('slot_taken');
    throw err;
  }
}

/**
 * The booking rules of DESIGN 3.2 for [start, end), read under the professional's lock; on success the
 * range the booking blocks (its buffers included).
 */
export async function checkScheduleRules(
  tx: Queryable,
  professional: BookableProfessional,
  start: Date,
  end: Date,
  now: number,
  opts: { excludeBookingId?: string } = {},
): Promise<Result<Interval, BookingRuleFailure>> {
  // Overrides are keyed by local date: those from two days before the start cover every time zone.
  const stored = await readStoredSchedule(tx, professional.id, localDate(Math.floor(start.getTime() / DAY_MS) - 2));
  const schedule = scheduleFrom(professional.timeZone, stored);
  const blocked = blockedRange(schedule.rules, start.getTime(), end.getTime());
  const refused = checkBookingRules(schedule, {
    start: start.getTime(),
    end: end.getTime(),
    now,
    windows: await windowsBetween(tx, professional.id, start, end),
    blocked: await liveBlockedRanges(tx, professional.id, new Date(blocked.start), new Date(blocked.end), opts.excludeBookingId),
  });
  return refused ? fail(refused) : ok(blocked);
}

async function releaseSlot(deps: CommandDeps, bookingId: string): Promise<void> {
  await withTransaction(deps.pool, async (tx) => {
    const expired = await expirePendingBooking(tx, bookingId, { reason: 'payment provider unavailable' });
    if (expired) await markSearchStale(deps.boss, tx, expired.professionalId);
    if (expired) await recordBookingEvent(deps.boss, tx, 'booking.expired', expired);
  });
}

function errorSummary(err: unknown): object {
  const e = err as { code?: string; providerCode?: string; message?: string };
  return { code: e?.code, provider_code: e?.providerCode, message: e?.message };
}
