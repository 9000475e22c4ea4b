import type { CommandDeps } from '../deps.ts';
import { insertStripeEvent } from '../webhooks/stripe-events.repository.ts';
import { processStripeEvent } from './process-stripe-event.ts';

/**
 * For a hold whose webhook may never have arrived (the sender gave up): asks Stripe for the
 * PaymentIntent and, when it has succeeded, applies that success exactly as its webhook would be
 * applied (stored as event `reconciled_<intent id>`, processed once): the booking is confirmed, or
 * the money refunded if the slot is gone. Resolves whether the payment had succeeded.
 */
export async function applyPaymentIfSucceeded(deps: CommandDeps, paymentIntentId: string): Promise<boolean> {
  const intent = await deps.payments.retrieveIntent(paymentIntentId);
  if (intent.status !== 'succeeded') return false;
  const id = `reconciled_${intent.id}`;
  const type = 'payment_intent.succeeded';
  if (await insertStripeEvent(deps.pool, { id, type, payload: { id, type, data: { object: intent } } })) {
    deps.logger.warn({ payment_intent_id: intent.id, event_id: id }, 'payment found succeeded at hold expiry without its webhook; applying it');
  }
  await processStripeEvent(deps, id);
  return true;
}
