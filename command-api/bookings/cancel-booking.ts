import type { Principal } from '../../shared/auth.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { queueChangeEmail } from '../notifications/change-emails.ts';
import { PaymentProviderError, type RefundResult } from '../payments/payment-gateway.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';
import { decideCancel, DEFAULT_CANCELLATION_POLICY, emailsOnCancel, permission, relationTo, type Relation } from './booking-lifecycle.ts';
import { findBookableProfessional, findBooking, markCancellationRefundRequested, markCancelled, type Booking } from './bookings.repository.ts';

export type CancelFailure = 'booking_not_found' | 'booking_not_cancellable' | 'payment_provider_error';

/**
 * pending → cancelled and its PaymentIntent cancelled; confirmed → refunded (per the professional's
 * policy for its client or an admin, in full for its professional), then cancelled. The refund is
 * decided and recorded first, then asked of Stripe (idempotency key per booking), then the booking is
 * cancelled: a Stripe failure leaves it confirmed, and a retry refunds the same amount at most once.
 */
export async function cancelBooking(
  deps: CommandDeps,
  principal: Principal,
  bookingId: string,
  reason: string | null,
): Promise<Result<Booking, CancelFailure>> {
  const booking = await findBooking(deps.pool, bookingId);
  if (!booking || permission(principal, booking, 'cancel') !== 'allowed') return fail('booking_not_found');
  const by = relationTo(principal, booking)!;
  const professional = await findBookableProfessional(deps.pool, booking.professionalId);
  const decision = decideCancel(booking, by, deps.now(), professional?.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY);

  switch (decision.kind) {
    case 'already_cancelled':
      return ok(booking);
    case 'refused':
      return fail('booking_not_cancellable', decision.reason);
    case 'cancel_pending':
      return cancelPending(deps, principal, booking, by, reason);
    case 'cancel_confirmed':
      return cancelConfirmed(deps, principal, booking, by, reason, decision.refundAmount);
  }
}

async function cancelPending(
  deps: CommandDeps,
  principal: Principal,
  booking: Booking,
  by: Relation,
  reason: string | null,
): Promise<Result<Booking, CancelFailure>> {
  const cancelled = await withTransaction(deps.pool, async (tx) => {
    const row = await markCancelled(tx, booking.id, { from: 'pending', by, reason });
    if (row) await markSearchStale(deps.boss, tx, row.professionalId);
    if (row) await recordBookingEvent(deps.boss, tx, 'booking.cancelled', row);
    return row;
  });
  if (!cancelled) return cancelBooking(deps, principal, booking.id, reason); // it moved meanwhile: decide again
  if (cancelled.paymentIntentId) {
    await deps.payments.cancelIntent(cancelled.paymentIntentId, 'requested_by_customer').catch((err) => {
      // A payment that still succeeds later is refunded by the webhook worker, since the booking is cancelled.
      deps.logger.warn({ err: { message: (err as Error).message }, booking_id: cancelled.id }, 'payment intent cancel failed');
    });
  }
  deps.metrics.bookings.inc({ outcome: 'cancelled' });
  deps.logger.info({ booking_id: cancelled.id, from: 'pending', by }, 'booking cancelled');
  return ok(cancelled);
}

async function cancelConfirmed(
  deps: CommandDeps,
  principal: Principal,
  booking: Booking,
  by: Relation,
  reason: string | null,
  refundAmount: number,
): Promise<Result<Booking, CancelFailure>> {
  let refund: { id: string | null; amount: number; status: string } = { id: null, amount: 0, status: 'none' };
  if (refundAmount > 0 && booking.paymentIntentId) {
    if (!(await markCancellationRefundRequested(deps.pool, booking.id, refundAmount))) return cancelBooking(deps, principal, booking.id, reason);
    try {
      const made: RefundResult = await deps.payments.refund({
        paymentIntentId: booking.paymentIntentId,
        amount: refundAmount,
        reason: 'requested_by_customer',
        metadata: { booking_id: booking.id, cancelled_by: by },
        idempotencyKey: `booking-${booking.id}-cancel-refund`,
      });
      refund = { id: made.id, amount: made.amount, status: made.status };
    } catch (err) {
      if (!(err instanceof PaymentProviderError && err.code === 'already_refunded')) {
        deps.logger.error({ err: { message: (err as Error).message }, booking_id: booking.id }, 'refund failed; booking left confirmed');
        return fail('payment_provider_error', 'The refund could not be issued; the booking is unchanged. Retry later.');
      }
      // Refunded by other means (in Stripe's dashboard): charge.refunded records what was paid back.
      refund = { id: null, amount: refundAmount, status: 'succeeded' };
    }
  }
  const cancelled = await withTransaction(deps.pool, async (tx) => {
    const row = await markCancelled(tx, booking.id, { from: 'confirmed', by, reason, refund });
    if (!row) return row;
    await markSearchStale(deps.boss, tx, row.professionalId);
    await recordBookingEvent(deps.boss, tx, 'booking.cancelled', row);
    if (refund.amount > 0) await recordBookingEvent(deps.boss, tx, 'booking.refunded', row);
    if (emailsOnCancel('confirmed')) await queueChangeEmail(deps.boss, tx, row, 'cancelled');
    return row;
  });
  if (!cancelled) {
    const current = await findBooking(deps.pool, booking.id);
    if (current?.status === 'cancelled') return ok(current);
    return fail('booking_not_cancellable');
  }
  deps.metrics.bookings.inc({ outcome: 'cancelled' });
  if (refund.amount > 0) deps.metrics.bookings.inc({ outcome: 'refunded' });
  deps.logger.info({ booking_id: cancelled.id, from: 'confirmed', by, refund_amount: refund.amount }, 'booking cancelled');
  return ok(cancelled);
}
