import { expect } from 'chai';
import Stripe from 'stripe';
import { PaymentProviderError, toPaymentError, type PaymentErrorCode } from './payment-gateway.ts';

describe('payment gateway error mapping', () => {
  const stripeError = (type: string, code?: string, statusCode = 400) =>
    Stripe.errors.StripeError.generate({ type: type as never, code, message: `${type} ${code ?? ''}`, statusCode });
  const table: Array<[name: string, err: unknown, code: PaymentErrorCode]> = [
    ['a charge with nothing left to refund', stripeError('invalid_request_error', 'charge_already_refunded'), 'already_refunded'],
    ['a PaymentIntent in the wrong state', stripeError('invalid_request_error', 'payment_intent_unexpected_state'), 'invalid_state'],
    ['a PaymentIntent that does not exist', stripeError('invalid_request_error', 'resource_missing', 404), 'invalid_state'],
    ['another invalid request', stripeError('invalid_request_error', 'amount_too_large'), 'rejected'],
    ['an idempotency key reused with other parameters', stripeError('idempotency_error', undefined, 400), 'rejected'],
    ['a request whose idempotency key is still being processed', stripeError('idempotency_error', 'idempotency_key_in_use', 409), 'unavailable'],
    ['a server error', stripeError('api_error', undefined, 500), 'unavailable'],
    ['a connection failure', new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' }), 'unavailable'],
    ['anything else thrown', new Error('socket hang up'), 'unavailable'],
  ];
  for (const [name, err, code] of table) {
    it(`maps ${name} to ${code}`, () => {
      const mapped = toPaymentError(err);
      expect(mapped).to.be.instanceOf(PaymentProviderError);
      expect(mapped.code).to.equal(code);
    });
  }
  it('keeps an error it already mapped', () => {
    const mapped = new PaymentProviderError('already_refunded', 'x');
    expect(toPaymentError(mapped)).to.equal(mapped);
  });
});
