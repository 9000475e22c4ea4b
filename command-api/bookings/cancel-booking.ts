import type { Principal } from '../../shared/auth.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { cancelPaymentIntent } from '../payments/cancel-payment-intent.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';
import { findBooking, markCancelled, type Booking } from './bookings.repository.ts';
import { canSee } from './get-booking.route.ts';

export type CancelFailure = 'booking_not_found' | 'forbidden' | 'booking_not_cancellable' | 'payment_provider_error';

/** The refund a confirmed booking gets when cancelled now: full far enough ahead, none after. */
export function refundFor(booking: Booking, now: Date, fullRefundHours: number): number {
  const hoursAhead = (booking.startTime.getTime() - now.getTime()) / 3_600_000;
  return hoursAhead >= fullRefundHours ? booking.priceAmount : 0;
}

/**
 * pending → cancelled and its PaymentIntent cancelled; confirmed → refunded per policy, then
 * cancelled. The refund is asked of Stripe first, so a failure leaves the booking as it was.
 */
export async function cancelBooking(
  deps: CommandDeps,
  principal: Principal,
  bookingId: string,
  reason: string | null,
): Promise<Result<Booking, CancelFailure>> {
  const booking = await findBooking(deps.pool, bookingId);
  if (!booking || !canSee(principal, booking)) return fail('booking_not_found');
  if (principal.role !== 'admin' && principal.sub !== booking.clientId) return fail('forbidden', 'Only the booking’s client or an admin can cancel it.');
  if (booking.status === 'cancelled') return ok(booking);
  if (booking.status === 'expired') return fail('booking_not_cancellable', 'This booking’s hold has expired; there is nothing to cancel.');
  const now = deps.now?.() ?? new Date();
  if (booking.startTime.getTime() <= now.getTime()) return fail('booking_not_cancellable', 'A booking that has started can no longer be cancelled.');

  if (booking.status === 'pending') {
    const cancelled = await withTransaction(deps.pool, async (tx) => {
      const row = await markCancelled(tx, booking.id, { from: 'pending', reason });
      if (row) await markSearchStale(deps.boss, tx, row.professionalId);
      if (row) await recordBookingEvent(deps.boss, tx, 'booking.cancelled', row);
      return row;
    });
    if (!cancelled) return cancelBooking(deps, principal, bookingId, reason); // it moved meanwhile: decide again
    if (cancelled.paymentIntentId) await cancelPaymentIntent(deps, cancelled.paymentIntentId, 'requested_by_customer').catch((err) => {
      // A payment that still succeeds later is refunded by the webhook worker, since the booking is cancelled.
      deps.logger.warn({ err: { message: (err as Error).message }, booking_id: cancelled.id }, 'payment intent cancel failed');
    });
    deps.metrics.bookings.inc({ outcome: 'cancelled' });
    deps.logger.info({ booking_id: cancelled.id, from: 'pending' }, 'booking cancelled');
    return ok(cancelled);
  }

  const refundAmount = refundFor(booking, now, deps.config.booking.cancellationFullRefundHours);
  let refund: { id: string | null; amount: number; status: string | null } = { id: null, amount: 0, status: 'none' };
  if (refundAmount > 0 && booking.paymentIntentId) {
    try {
      const r = await deps.stripe.refunds.create(
        { payment_intent: booking.paymentIntentId, amount: refundAmount, reason: 'requested_by_customer', metadata: { booking_id: booking.id } },
        { idempotencyKey: `booking-${booking.id}-cancel-refund` },
      );
      refund = { id: r.id, amount: r.amount, status: r.status ?? 'pending' };
    } catch (err) {
      deps.logger.error({ err: { message: (err as Error).message }, booking_id: booking.id }, 'refund failed; booking left confirmed');
      return fail('payment_provider_error', 'The refund could not be issued; the booking is unchanged. Retry later.');
    }
  }
  const cancelled = await withTransaction(deps.pool, async (tx) => {
    const row = await markCancelled(tx, booking.id, { from: 'confirmed', reason, refund });
    if (row) await markSearchStale(deps.boss, tx, row.professionalId);
    if (row) await recordBookingEvent(deps.boss, tx, 'booking.cancelled', row);
    if (row && refund.amount > 0) await recordBookingEvent(deps.boss, tx, 'booking.refunded', row);
    return row;
  });
  if (!cancelled) {
    const current = await findBooking(deps.pool, booking.id);
    if (current?.status === 'cancelled') return ok(current);
    return fail('booking_not_cancellable');
  }
  deps.metrics.bookings.inc({ outcome: 'cancelled' });
  if (refund.amount > 0) deps.metrics.bookings.inc({ outcome: 'refunded' });
  deps.logger.info({ booking_id: cancelled.id, from: 'confirmed', refund_amount: refund.amount }, 'booking cancelled');
  return ok(cancelled);
}
