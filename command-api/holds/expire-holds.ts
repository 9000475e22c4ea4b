import { withTransaction } from '../../shared/db/pool.ts';
import type { CommandDeps } from '../deps.ts';
import { expirePendingBooking, findBooking, lapsedHolds } from '../bookings/bookings.repository.ts';
import { holdLapsed } from '../bookings/booking-lifecycle.ts';
import { PaymentProviderError } from '../payments/payment-gateway.ts';
import { applyPaymentIfSucceeded } from '../payments/reconcile-payment.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';

/**
 * Expires one lapsed hold: frees the slot and syncs search in one transaction, then cancels its
 * PaymentIntent. Safe to run twice; a Stripe failure throws so the job is retried.
 *
 * A payment is never silently expired: Stripe is asked first, and a succeeded PaymentIntent whose
 * webhook never came confirms the booking ('paid'). One that succeeds while the hold expires cannot
 * be cancelled any more; it is then applied as a late payment (confirmed if the slot is still free,
 * refunded otherwise).
 */
export async function expireHold(deps: CommandDeps, bookingId: string): Promise<'expired' | 'not_due' | 'paid'> {
  const now = deps.now();
  const current = await findBooking(deps.pool, bookingId);
  if (current && current.paymentIntentId && holdLapsed(current, now)) {
    try {
      if (await applyPaymentIfSucceeded(deps, current.paymentIntentId)) return 'paid';
    } catch (err) {
      // Stripe unreachable: expire anyway rather than hold the slot; the cancel below then fails and
      // the job is retried, and a payment that did succeed is applied late. Other failures are thrown.
      if (!(err instanceof PaymentProviderError)) throw err;
      deps.logger.warn({ err: { message: (err as Error).message }, booking_id: bookingId }, 'hold expiry: could not ask Stripe for the payment status');
    }
  }
  const expired = await withTransaction(deps.pool, async (tx) => {
    const row = await expirePendingBooking(tx, bookingId, { dueAt: now });
    if (row) await markSearchStale(deps.boss, tx, row.professionalId);
    if (row) await recordBookingEvent(deps.boss, tx, 'booking.expired', row);
    return row;
  });
  const booking = expired ?? (await findBooking(deps.pool, bookingId));
  if (!booking || booking.status !== 'expired') return 'not_due';
  if (expired) {
    deps.metrics.bookings.inc({ outcome: 'expired' });
    deps.logger.info({ booking_id: bookingId, professional_id: booking.professionalId }, 'booking expired');
  }
  if (booking.paymentIntentId && (await deps.payments.cancelIntent(booking.paymentIntentId, 'abandoned')) === 'not_cancellable') {
    await applyPaymentIfSucceeded(deps, booking.paymentIntentId);
  }
  return 'expired';
}

/** The safety net behind the per-booking jobs: expires every hold that has lapsed. */
export async function sweepLapsedHolds(deps: CommandDeps): Promise<number> {
  let count = 0;
  for (;;) {
    const ids = await lapsedHolds(deps.pool, deps.now(), 200);
    for (const id of ids) {
      try {
        if ((await expireHold(deps, id)) === 'expired') count++;
      } catch (err) {
        // The slot is already free; the booking's own job retries the PaymentIntent cancel.
        deps.logger.warn({ err: { message: (err as Error).message }, booking_id: id }, 'hold sweep: payment intent cancel failed');
      }
    }
    if (ids.length < 200) return count;
  }
}
