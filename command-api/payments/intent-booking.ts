import { isUuid } from '../../shared/api-shapes.ts';
import type { PoolClient } from '../../shared/db/pool.ts';
import type { CommandDeps } from '../deps.ts';
import { attachPaymentIntent, findBooking, findBookingByPaymentIntent, type Booking } from '../bookings/bookings.repository.ts';
import type { Stripe } from './stripe-client.ts';

/**
 * The booking a PaymentIntent pays for. Falls back to `metadata.booking_id` because the event can
 * overtake the booking request that stores the intent's id; that id is then stored here.
 */
export async function findBookingForIntent(tx: PoolClient, intentId: string, metadata: Stripe.Metadata | null | undefined): Promise<Booking | undefined> {
  const byIntent = await findBookingByPaymentIntent(tx, intentId);
  if (byIntent) return byIntent;
  const bookingId = metadata?.booking_id;
  if (!bookingId || !isUuid(bookingId)) return undefined;
  const byId = await findBooking(tx, bookingId);
  if (!byId || byId.paymentIntentId !== null) return undefined;
  return attachPaymentIntent(tx, byId.id, intentId);
}

/** An event about a payment we know nothing of is acknowledged and logged, never retried forever. */
export function ignoreUnknownIntent(deps: CommandDeps, eventId: string, type: string, intentId: string): 'ignored' {
  deps.logger.warn({ event_id: eventId, type, payment_intent_id: intentId }, 'stripe event for an unknown payment intent ignored');
  return 'ignored';
}
