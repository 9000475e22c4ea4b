import type { Logger } from '../../shared/logger.ts';
import type { CommandMetrics } from '../metrics.ts';
import type { Stripe } from './stripe-client.ts';

/**
 * The payment provider port: the only place that calls the Stripe SDK for payments. Timing, metrics
 * and error mapping live here; use cases see PaymentProviderError with a code they can act on.
 */
export interface PaymentGateway {
  createIntent(p: {
    amount: number;
    currency: string;
    description: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<{ id: string; clientSecret: string | null }>;
  /** 'not_cancellable' when it has already been cancelled, has succeeded or does not exist. */
  cancelIntent(id: string, reason: CancellationReason): Promise<'cancelled' | 'not_cancellable'>;
  /** The whole unrefunded amount when `amount` is absent. The idempotency key makes a retry get the same refund back. */
  refund(p: {
    paymentIntentId: string;
    amount?: number;
    reason?: 'requested_by_customer';
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<RefundResult>;
  retrieveIntent(id: string): Promise<Stripe.PaymentIntent>;
}

export type CancellationReason = 'abandoned' | 'requested_by_customer' | 'duplicate' | 'fraudulent';

export interface RefundResult {
  id: string;
  amount: number;
  status: string;
}

/**
 * `unavailable`: network, timeout, 5xx, rate limit or a concurrent request with the same idempotency key (retry later); `already_refunded`: the charge has
 * no money left to refund; `invalid_state`: the object is in a state that refuses the operation;
 * `rejected`: any other refusal.
 */
export type PaymentErrorCode = 'unavailable' | 'already_refunded' | 'invalid_state' | 'rejected';

export class PaymentProviderError extends Error {
  readonly code: PaymentErrorCode;
  readonly providerCode: string | undefined;

  constructor(code: PaymentErrorCode, message: string, providerCode?: string) {
    super(message);
    this.code = code;
    this.providerCode = providerCode;
    this.name = 'PaymentProviderError';
  }
}

export function toPaymentError(err: unknown): PaymentProviderError {
  if (err instanceof PaymentProviderError) return err;
  const e = err as { type?: string; rawType?: string; code?: string; message?: string; statusCode?: number };
  const message = e?.message ?? String(err);
  if (e?.code === 'charge_already_refunded') return new PaymentProviderError('already_refunded', message, e.code);
  // The same key still being processed (409) passes; the same key with other parameters never will.
  if (e?.rawType === 'idempotency_error' || e?.type === 'StripeIdempotencyError') {
    return new PaymentProviderError(e.statusCode === 409 ? 'unavailable' : 'rejected', message, e.code);
  }
  if (e?.type === 'StripeInvalidRequestError' && (e.code === 'payment_intent_unexpected_state' || e.code === 'resource_missing')) {
    return new PaymentProviderError('invalid_state', message, e.code);
  }
  if (e?.type === 'StripeInvalidRequestError' || e?.type === 'StripeCardError') {
    return new PaymentProviderError('rejected', message, e.code);
  }
  return new PaymentProviderError('unavailable', message, e?.code);
}

export function createStripeGateway(stripe: Stripe, metrics: Pick<CommandMetrics, 'stripeLatency'>, logger?: Logger): PaymentGateway {
  async function timed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await call();
      metrics.stripeLatency.observe({ operation, result: 'ok' }, seconds());
      return result;
    } catch (err) {
      metrics.stripeLatency.observe({ operation, result: 'error' }, seconds());
      const mapped = toPaymentError(err);
      logger?.debug({ operation, code: mapped.code, provider_code: mapped.providerCode }, 'payment provider call failed');
      throw mapped;
    }
  }
  return {
    async createIntent(p) {
      const intent = await timed('payment_intent.create', () =>
        stripe.paymentIntents.create(
          {
            amount: p.amount,
            currency: p.currency.toLowerCase(),
            automatic_payment_methods: { enabled: true },
            description: p.description,
            metadata: p.metadata,
          },
          { idempotencyKey: p.idempotencyKey },
        ),
      );
      return { id: intent.id, clientSecret: intent.client_secret };
    },
    async cancelIntent(id, reason) {
      try {
        await timed('payment_intent.cancel', () => stripe.paymentIntents.cancel(id, { cancellation_reason: reason }));
        return 'cancelled';
      } catch (err) {
        if (err instanceof PaymentProviderError && err.code === 'invalid_state') return 'not_cancellable';
        throw err;
      }
    },
    async refund(p) {
      const r = await timed('refund.create', () =>
        stripe.refunds.create(
          {
            payment_intent: p.paymentIntentId,
            ...(p.amount === undefined ? {} : { amount: p.amount }),
            ...(p.reason ? { reason: p.reason } : {}),
            metadata: p.metadata,
          },
          { idempotencyKey: p.idempotencyKey },
        ),
      );
      return { id: r.id, amount: r.amount, status: r.status ?? 'pending' };
    },
    retrieveIntent(id) {
      return timed('payment_intent.retrieve', () => stripe.paymentIntents.retrieve(id));
    },
  };
}
