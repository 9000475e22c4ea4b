import { lockProfessional } from '../../shared/db/advisory-lock.ts';
import { pgErrorInfo, type PoolClient } from '../../shared/db/pool.ts';
import { enqueue, QUEUES } from '../../shared/queue.ts';
import type { CommandDeps } from '../deps.ts';
import { confirmBooking, findBooking, markRefundRequested, liveBlockedRanges, recordRefund, type Booking } from '../bookings/bookings.repository.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';
import { markEventProcessed } from '../webhooks/stripe-events.repository.ts';
import { inEventTransaction, type EventOutcome } from './event-transaction.ts';
import { findBookingForIntent, ignoreUnknownIntent } from './intent-booking.ts';
import type { Stripe } from './stripe-client.ts';
import { PaymentProviderError, type RefundResult } from './payment-gateway.ts';
import { decidePaymentSucceeded } from '../bookings/booking-lifecycle.ts';

type Decision = EventOutcome | { confirmed: Booking; late: boolean } | { refund: Booking };

/**
 * pending → confirmed, with the confirmation email enqueued in the same transaction. A payment that
 * arrives after the hold lapsed confirms only if the slot is still free; otherwise, or when the
 * client cancelled the booking, the money goes back automatically and the booking stays as it is.
 */
export async function onPaymentSucceeded(deps: CommandDeps, eventId: string, intent: Stripe.PaymentIntent): Promise<EventOutcome> {
  let decision: Decision;
  try {
    decision = await inEventTransaction(deps, eventId, (tx) => settle(deps, tx, eventId, intent, { slotTaken: false }));
  } catch (err) {
    // The exclusion constraint caught an overlap the advisory lock should have prevented: the slot is taken.
    const { code, constraint } = pgErrorInfo(err);
    if (code !== '23P01' || constraint !== 'bookings_no_double_booking') throw err;
    decision = await inEventTransaction(deps, eventId, (tx) => settle(deps, tx, eventId, intent, { slotTaken: true }));
  }
  if (typeof decision === 'string') return decision;
  if ('refund' in decision) return refundLatePayment(deps, eventId, intent, decision.refund);
  const { confirmed, late } = decision;
  deps.metrics.bookings.inc({ outcome: 'confirmed' });
  deps.logger.info(
    { booking_id: confirmed.id, professional_id: confirmed.professionalId, payment_intent_id: intent.id, late },
    late ? 'booking confirmed after its hold lapsed: the slot was still free' : 'booking confirmed',
  );
  return 'processed';
}

async function settle(deps: CommandDeps, tx: PoolClient, eventId: string, intent: Stripe.PaymentIntent, opts: { slotTaken: boolean }): Promise<Decision> {
  const found = await findBookingForIntent(tx, intent.id, intent.metadata);
  if (!found) {
    await markEventProcessed(tx, eventId);
    return ignoreUnknownIntent(deps, eventId, 'payment_intent.succeeded', intent.id);
  }
  // Same lock order as booking creation (professional, then booking row): re-occupying a slot must
  // be serialised with every other way of occupying it.
  await lockProfessional(tx, found.professionalId);
  const booking = (await findBooking(tx, found.id, { forUpdate: true }))!;
  deps.logger.info({ booking_id: booking.id, payment_intent_id: intent.id, amount: intent.amount_received, status: booking.status }, 'payment succeeded');

  const decision = decidePaymentSucceeded(booking);
  if (decision === 'ignore') {
    await markEventProcessed(tx, eventId);
    return 'ignored';
  }
  if (decision === 'confirm') return confirm(deps, tx, eventId, booking, 'pending');
  if (decision === 'refund' && booking.refundStatus !== null) return { refund: booking }; // decided by an earlier attempt
  const slotFree =
    decision === 'confirm_if_slot_free' &&
    !opts.slotTaken &&
    (await liveBlockedRanges(tx, booking.professionalId, booking.blockedStart, booking.blockedEnd)).length === 0;
  if (slotFree) return confirm(deps, tx, eventId, booking, 'expired');
  await markRefundRequested(tx, booking.id, intent.amount_received || booking.priceAmount);
  return { refund: booking };
}

async function confirm(deps: CommandDeps, tx: PoolClient, eventId: string, booking: Booking, from: 'pending' | 'expired'): Promise<Decision> {
  const confirmed = (await confirmBooking(tx, booking.id, from))!; // the row is locked: its status cannot have moved
  await enqueue(deps.boss, tx, QUEUES.confirmationEmail, { booking_id: confirmed.id });
  await recordBookingEvent(deps.boss, tx, 'booking.confirmed', confirmed);
  await markSearchStale(deps.boss, tx, confirmed.professionalId);
  await markEventProcessed(tx, eventId);
  return { confirmed, late: from !== 'pending' };
}

/**
 * Refunds outside any transaction (no lock is held while Stripe answers). The idempotency key makes
 * a retried attempt get the same refund back instead of a second one.
 */
async function refundLatePayment(deps: CommandDeps, eventId: string, intent: Stripe.PaymentIntent, booking: Booking): Promise<EventOutcome> {
  let refund: RefundResult | undefined;
  try {
    refund = await deps.payments.refund({
      paymentIntentId: intent.id,
      metadata: { booking_id: booking.id, reason: `late payment, booking ${booking.status}` },
      idempotencyKey: `booking-${booking.id}-late-payment-refund`,
    });
  } catch (err) {
    // Refunded by other means meanwhile (the charge.refunded event records it): nothing left to do.
    if (!(err instanceof PaymentProviderError && err.code === 'already_refunded')) throw err;
  }
  const outcome = await inEventTransaction(deps, eventId, async (tx) => {
    if (refund) await recordBookingEvent(deps.boss, tx, 'booking.refunded', (await recordRefund(tx, booking.id, refund))!);
    await markEventProcessed(tx, eventId);
    return 'processed' as const;
  });
  if (outcome === 'processed') {
    deps.metrics.bookings.inc({ outcome: 'refunded' });
    deps.logger.warn(
      { booking_id: booking.id, payment_intent_id: intent.id, status: booking.status, refund_id: refund?.id, amount: refund?.amount },
      'late payment refunded: the booking is no longer live and its slot is taken or was released by the client',
    );
  }
  return outcome;
}
