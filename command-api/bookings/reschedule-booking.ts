import type { Principal } from '../../shared/auth.ts';
import { lockProfessional } from '../../shared/db/advisory-lock.ts';
import { pgErrorInfo, withTransaction } from '../../shared/db/pool.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { BookingRuleFailure } from '../../shared/schedules/schedule.ts';
import { intervalEndError } from '../../shared/validation.ts';
import type { CommandDeps } from '../deps.ts';
import { queueChangeEmail } from '../notifications/change-emails.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';
import { decideReschedule, emailsOnReschedule, permission } from './booking-lifecycle.ts';
import { findBookableProfessional, findBooking, moveBooking, type Booking } from './bookings.repository.ts';
import { checkScheduleRules } from './create-booking.ts';

export type RescheduleFailure =
  'booking_not_found' | 'forbidden' | 'booking_not_reschedulable' | 'validation_error' | 'professional_not_found' | 'start_in_past' | BookingRuleFailure;

/**
 * Moves a booking to `start` (same duration, price, status and hold) in one transaction under the
 * professional's lock, like a new booking: every rule of the schedule applies to the new time, with the
 * booking's own current range left out of the ranges it must not overlap. The one UPDATE frees the old
 * range and takes the new one, so the old time is free the moment it commits; any failure changes nothing.
 */
export async function rescheduleBooking(deps: CommandDeps, principal: Principal, bookingId: string, start: Date): Promise<Result<Booking, RescheduleFailure>> {
  const seen = await findBooking(deps.pool, bookingId);
  if (!seen) return fail('booking_not_found');
  const may = permission(principal, seen, 'reschedule');
  if (may === 'not_found') return fail('booking_not_found');
  if (may === 'forbidden') return fail('forbidden', 'Only the booking’s client or an admin can reschedule it.');
  const durationMinutes = (seen.endTime.getTime() - seen.startTime.getTime()) / 60_000;
  const endError = intervalEndError('start_time', start, durationMinutes);
  if (endError) return fail('validation_error', endError.message, [endError]);
  const end = new Date(start.getTime() + durationMinutes * 60_000);

  let result: Result<Booking, RescheduleFailure>;
  try {
    result = await withTransaction(deps.pool, async (tx): Promise<Result<Booking, RescheduleFailure>> => {
      await lockProfessional(tx, seen.professionalId);
      const booking = (await findBooking(tx, bookingId, { forUpdate: true }))!;
      const now = deps.now();
      const decision = decideReschedule(booking, now);
      if (!decision.ok) return fail('booking_not_reschedulable', decision.reason);
      const professional = await findBookableProfessional(tx, booking.professionalId);
      if (!professional || !professional.active) return fail('professional_not_found');
      if (start.getTime() <= now.getTime()) return fail('start_in_past');
      const rules = await checkScheduleRules(tx, professional, start, end, now.getTime(), { excludeBookingId: booking.id });
      if (!rules.ok) return rules;
      const moved = (await moveBooking(tx, booking.id, {
        start,
        end,
        blocked: { start: new Date(rules.value.start), end: new Date(rules.value.end) },
        from: booking.status,
      }))!; // the row is locked: its status cannot have moved
      await markSearchStale(deps.boss, tx, moved.professionalId);
      await recordBookingEvent(deps.boss, tx, 'booking.rescheduled', moved);
      if (emailsOnReschedule(moved.status)) await queueChangeEmail(deps.boss, tx, moved, 'rescheduled');
      return ok(moved);
    });
  } catch (err) {
    // The exclusion constraint caught an overlap the lock should have prevented (a writer that skipped it).
    const { code, constraint } = pgErrorInfo(err);
    if (code === '23P01' && constraint === 'bookings_no_double_booking') result = fail('slot_taken');
    else throw err;
  }
  if (!result.ok) {
    if (result.code === 'slot_taken') deps.metrics.conflicts.inc();
    return result;
  }
  deps.metrics.bookings.inc({ outcome: 'rescheduled' });
  deps.logger.info(
    { booking_id: bookingId, professional_id: seen.professionalId, from: seen.startTime.toISOString(), to: start.toISOString() },
    'booking rescheduled',
  );
  return result;
}
