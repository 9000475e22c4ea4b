import type { CommandDeps } from '../deps.ts';
import { expirePendingBooking, findBooking, recordChargeRefund, recordPaymentError } from '../bookings/bookings.repository.ts';
import { canTransition } from '../bookings/booking-lifecycle.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordBookingEvent } from '../webhook-deliveries/record-event.ts';
import { markEventProcessed, recordEventFailure, startAttempt } from '../webhooks/stripe-events.repository.ts';
import { inEventTransaction, type EventOutcome } from './event-transaction.ts';
import { findBookingForIntent, ignoreUnknownIntent } from './intent-booking.ts';
import { onPaymentSucceeded } from './payment-succeeded.ts';
import type { Stripe } from './stripe-client.ts';

/**
 * Applies one stored Stripe event, exactly once: the effect and `processed_at` commit in one
 * transaction under the event's row lock, and every booking transition is conditional on the status
 * it leaves. Failures are recorded on the event and thrown, so the job is retried with backoff.
 */
export async function processStripeEvent(deps: CommandDeps, eventId: string): Promise<EventOutcome> {
  const event = await startAttempt(deps.pool, eventId);
  if (!event) return 'already_processed';
  try {
    const outcome = await apply(deps, event.id, event.type, event.payload.data?.object);
    if (outcome !== 'already_processed') deps.metrics.webhookEvents.inc({ type: event.type, result: outcome });
    return outcome;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await recordEventFailure(deps.pool, event.id, message);
    deps.metrics.webhookEvents.inc({ type: event.type, result: 'failed' });
    deps.logger.warn({ err: { message }, event_id: event.id, type: event.type, attempt: event.attempts }, 'stripe event processing failed');
    throw err;
  }
}

function apply(deps: CommandDeps, eventId: string, type: string, object: unknown): Promise<EventOutcome> {
  switch (type) {
    case 'payment_intent.succeeded':
      return onPaymentSucceeded(deps, eventId, object as Stripe.PaymentIntent);
    case 'payment_intent.payment_failed':
      return onPaymentFailed(deps, eventId, object as Stripe.PaymentIntent);
    case 'payment_intent.canceled':
      return onPaymentCanceled(deps, eventId, object as Stripe.PaymentIntent);
    case 'charge.refunded':
      return onChargeRefunded(deps, eventId, object as Stripe.Charge);
    default:
      return inEventTransaction(deps, eventId, async (tx) => {
        await markEventProcessed(tx, eventId);
        return 'ignored' as const;
      });
  }
}

/** The client may pay again while the hold lasts: record the error, keep the hold. */
async function onPaymentFailed(deps: CommandDeps, eventId: string, intent: Stripe.PaymentIntent): Promise<EventOutcome> {
  const result = await inEventTransaction(deps, eventId, async (tx) => {
    await markEventProcessed(tx, eventId);
    const booking = await findBookingForIntent(tx, intent.id, intent.metadata);
    if (!booking) return ignoreUnknownIntent(deps, eventId, 'payment_intent.payment_failed', intent.id);
    const recorded = await recordPaymentError(tx, booking.id, intent.last_payment_error?.message ?? 'The payment failed.');
    return { booking, recorded };
  });
  if (typeof result === 'string') return result;
  const error = intent.last_payment_error;
  deps.metrics.paymentsFailed.inc();
  deps.logger.warn(
    {
      booking_id: result.booking.id,
      payment_intent_id: intent.id,
      code: error?.code,
      decline_code: error?.decline_code,
      message: error?.message,
      status: result.booking.status,
      recorded: result.recorded,
    },
    'payment failed',
  );
  return 'processed';
}

/** A cancelled PaymentIntent can no longer pay: a pending hold expires and frees its slot. */
async function onPaymentCanceled(deps: CommandDeps, eventId: string, intent: Stripe.PaymentIntent): Promise<EventOutcome> {
  const result = await inEventTransaction(deps, eventId, async (tx) => {
    await markEventProcessed(tx, eventId);
    const booking = await findBookingForIntent(tx, intent.id, intent.metadata);
    if (!booking) return ignoreUnknownIntent(deps, eventId, 'payment_intent.canceled', intent.id);
    if (!canTransition(booking.status, 'expire')) return 'ignored' as const; // confirmed, expired or cancelled: never move backwards
    const expired = await expirePendingBooking(tx, booking.id, { reason: 'payment cancelled' });
    if (!expired) return 'ignored' as const; // it moved since it was read
    await markSearchStale(deps.boss, tx, expired.professionalId);
    await recordBookingEvent(deps.boss, tx, 'booking.expired', expired);
    return expired;
  });
  if (typeof result === 'string') return result;
  deps.metrics.bookings.inc({ outcome: 'expired' });
  deps.logger.info({ booking_id: result.id, professional_id: result.professionalId, payment_intent_id: intent.id }, 'booking expired');
  return 'processed';
}

function onChargeRefunded(deps: CommandDeps, eventId: string, charge: Stripe.Charge): Promise<EventOutcome> {
  const intentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  return inEventTransaction(deps, eventId, async (tx) => {
    await markEventProcessed(tx, eventId);
    if (!intentId) return 'ignored';
    const booking = await findBookingForIntent(tx, intentId, charge.metadata);
    if (!booking) return ignoreUnknownIntent(deps, eventId, 'charge.refunded', intentId);
    const latest = charge.refunds?.data?.[0];
    await recordChargeRefund(tx, booking.id, {
      refundId: latest?.id ?? null,
      amountRefunded: charge.amount_refunded,
      status: latest?.status ?? 'succeeded',
    });
    await recordBookingEvent(deps.boss, tx, 'booking.refunded', (await findBooking(tx, booking.id))!);
    deps.logger.info({ booking_id: booking.id, payment_intent_id: intentId, amount_refunded: charge.amount_refunded }, 'refund recorded');
    return 'processed';
  });
}
