import { withTransaction } from '../../shared/db/pool.ts';
import type { CommandDeps } from '../deps.ts';
import { expirePendingBooking, findBooking, lapsedHolds } from '../bookings/bookings.repository.ts';
import { cancelPaymentIntent } from '../payments/cancel-payment-intent.ts';
import { markSearchStale } from '../search-sync.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';

/**
 * Expires one lapsed hold: frees the slot and syncs search in one transaction, then cancels its
 * PaymentIntent. Safe to run twice; a Stripe failure throws so the job is retried.
 */
export async function expireHold(deps: CommandDeps, bookingId: string): Promise<'expired' | 'not_due'> {
  const expired = await withTransaction(deps.pool, async (tx) => {
    const row = await expirePendingBooking(tx, bookingId, { dueOnly: true });
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
  if (booking.paymentIntentId) await cancelPaymentIntent(deps, booking.paymentIntentId, 'abandoned');
  return 'expired';
}

/** The safety net behind the per-booking jobs: expires every hold that has lapsed. */
export async function sweepLapsedHolds(deps: CommandDeps): Promise<number> {
  let count = 0;
  for (;;) {
    const ids = await lapsedHolds(deps.pool, 200);
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
