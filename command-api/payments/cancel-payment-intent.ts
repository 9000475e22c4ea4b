import type Stripe from 'stripe';
import type { CommandDeps } from '../deps.ts';

/**
 * Cancels a PaymentIntent; one that is already cancelled or has succeeded is left as it is
 * (a late success is handled by the webhook worker). Network and server errors are thrown.
 */
export async function cancelPaymentIntent(
  deps: Pick<CommandDeps, 'stripe' | 'metrics'>,
  paymentIntentId: string,
  reason: Stripe.PaymentIntentCancelParams.CancellationReason,
): Promise<'cancelled' | 'not_cancellable'> {
  const started = Date.now();
  try {
    await deps.stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: reason });
    deps.metrics.stripeLatency.observe({ operation: 'payment_intent.cancel', result: 'ok' }, (Date.now() - started) / 1000);
    return 'cancelled';
  } catch (err) {
    const e = err as { type?: string; code?: string };
    deps.metrics.stripeLatency.observe({ operation: 'payment_intent.cancel', result: 'error' }, (Date.now() - started) / 1000);
    if (e.type === 'StripeInvalidRequestError' && (e.code === 'payment_intent_unexpected_state' || e.code === 'resource_missing')) {
      return 'not_cancellable';
    }
    throw err;
  }
}
