import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Stripe from 'stripe';
import { signPayload, startStripeStandIn, type StripeEvent, type StripeStandIn } from './stripe-stand-in.ts';

const WEBHOOK_SECRET = 'whsec_stand_in_test_secret';
const API_KEY = 'sk_test_stand_in_123';

interface Receiver {
  url: string;
  events: Stripe.Event[];
  rejected: string[];
  /** status to answer for the nth request (1-based); default 200 */
  respond: (n: number, event: Stripe.Event) => number | Promise<number>;
  requests: number;
  close(): Promise<void>;
}

/** A tiny webhook endpoint that verifies Stripe-Signature with the official library. */
async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    events: [],
    rejected: [],
    respond: () => 200,
    requests: 0,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.requests += 1;
      const n = r.requests;
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), WEBHOOK_SECRET);
      } catch (err) {
        r.rejected.push((err as Error).message);
        res.writeHead(400).end('bad signature');
        return;
      }
      void Promise.resolve(r.respond(n, event)).then((status) => {
        if (status >= 200 && status < 300) r.events.push(event);
        res.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return r;
}

function client(standIn: StripeStandIn, extra: Partial<Stripe.StripeConfig> = {}, key = API_KEY): Stripe {
  const u = new URL(standIn.url);
  return new Stripe(key, { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 0, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

describe('Stripe stand-in', function () {
  this.timeout(5000);
  let standIn: StripeStandIn;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeEach(async () => {
    receiver = await startReceiver();
    standIn = await startStripeStandIn({ webhookSecret: WEBHOOK_SECRET, webhookBackoffMs: 20, webhookMaxBackoffMs: 100 });
    standIn.setWebhookUrl(receiver.url);
    stripe = client(standIn);
  });

  afterEach(async () => {
    await standIn.stop();
    await receiver.close();
  });

  const createIntent = (key?: string): Promise<Stripe.Response<Stripe.PaymentIntent>> =>
    stripe.paymentIntents.create(
      { amount: 4500, currency: 'usd', metadata: { booking_id: 'bk_1' }, automatic_payment_methods: { enabled: true }, description: 'Booking bk_1' },
      key ? { idempotencyKey: key } : {},
    );

  describe('PaymentIntents API', () => {
    it('creates a PaymentIntent awaiting a payment method that the official client reads back', async () => {
      const pi = await createIntent();
      expect(pi.id).to.match(/^pi_\w+$/);
      expect(pi.object).to.equal('payment_intent');
      expect(pi.status).to.equal('requires_payment_method');
      expect(pi.amount).to.equal(4500);
      expect(pi.currency).to.equal('usd');
      expect(pi.metadata).to.deep.equal({ booking_id: 'bk_1' });
      expect(pi.client_secret).to.match(new RegExp(`^${pi.id}_secret_\\w+$`));
      expect(pi.automatic_payment_methods?.enabled).to.equal(true);
      const again = await stripe.paymentIntents.retrieve(pi.id);
      expect(again).to.deep.include({ id: pi.id, status: 'requires_payment_method', latest_charge: null, last_payment_error: null });
    });

    it('replays the same PaymentIntent for a repeated Stripe idempotency key', async () => {
      const first = await createIntent('booking-bk_1');
      const second = await createIntent('booking-bk_1');
      expect(second.id).to.equal(first.id);
      expect(second.lastResponse.headers['idempotent-replayed']).to.equal('true');
      expect(standIn.paymentIntents()).to.have.length(1);
    });

    it('rejects a reused idempotency key with different parameters as an idempotency_error', async () => {
      await createIntent('booking-bk_1');
      const err = await rejection(stripe.paymentIntents.create({ amount: 9999, currency: 'usd' }, { idempotencyKey: 'booking-bk_1' }));
      expect(err.type).to.equal('StripeIdempotencyError');
      expect(err.statusCode).to.equal(400);
      expect(err.rawType).to.equal('idempotency_error');
    });

    it('answers 401 for a missing or invalid secret key', async () => {
      const invalid = await rejection(client(standIn, {}, 'sk_live_nope').paymentIntents.create({ amount: 100, currency: 'usd' }));
      expect(invalid.type).to.equal('StripeAuthenticationError');
      expect(invalid.statusCode).to.equal(401);
      const res = await fetch(`${standIn.url}/v1/payment_intents`, { method: 'POST', body: 'amount=100&currency=usd' });
      expect(res.status).to.equal(401);
      const body = (await res.json()) as { error: { type: string; message: string } };
      expect(body.error.type).to.equal('invalid_request_error');
      expect(body.error.message).to.match(/did not provide an API key/);
    });

    it('answers 404 resource_missing for an unknown PaymentIntent', async () => {
      const err = await rejection(stripe.paymentIntents.retrieve('pi_does_not_exist'));
      expect(err.statusCode).to.equal(404);
      expect(err.code).to.equal('resource_missing');
      expect(err.type).to.equal('StripeInvalidRequestError');
    });

    it('answers 400 invalid_request_error naming the param for missing or unknown parameters', async () => {
      const missingCurrency = await rejection(stripe.paymentIntents.create({ amount: 100 } as Stripe.PaymentIntentCreateParams));
      expect(missingCurrency.statusCode).to.equal(400);
      expect(missingCurrency).to.include({ code: 'parameter_missing', param: 'currency' });
      const unknown = await rejection(stripe.paymentIntents.create({ amount: 100, currency: 'usd', colour: 'red' } as Stripe.PaymentIntentCreateParams));
      expect(unknown).to.include({ code: 'parameter_unknown', param: 'colour' });
    });

    it('expands latest_charge into the charge object', async () => {
      const pi = await createIntent();
      await standIn.succeed(pi.id);
      const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
      const charge = expanded.latest_charge as Stripe.Charge;
      expect(charge.object).to.equal('charge');
      expect(charge).to.include({ amount: 4500, paid: true, payment_intent: pi.id, status: 'succeeded' });
    });
  });

  describe('payment outcomes and webhooks', () => {
    it('delivers a signed payment_intent.succeeded event that stripe.webhooks.constructEvent accepts', async () => {
      const pi = await createIntent();
      const event = await standIn.succeed(pi.id);
      expect(receiver.rejected).to.deep.equal([]);
      expect(receiver.events.map((e) => e.id)).to.deep.equal([event.id]);
      const received = receiver.events[0] as Stripe.PaymentIntentSucceededEvent;
      expect(received).to.include({ object: 'event', type: 'payment_intent.succeeded', livemode: false });
      expect(received.id).to.match(/^evt_/);
      expect(received.data.object).to.include({ id: pi.id, status: 'succeeded', amount_received: 4500 });
      expect(received.data.object.latest_charge).to.match(/^ch_/);
      expect(received.data.object.metadata).to.deep.equal({ booking_id: 'bk_1' });
      expect(standIn.paymentIntent(pi.id)?.status).to.equal('succeeded');
    });

    it('records a declined payment with last_payment_error and emits payment_intent.payment_failed', async () => {
      const pi = await createIntent();
      await standIn.fail(pi.id, 'Your card has insufficient funds.');
      const after = await stripe.paymentIntents.retrieve(pi.id);
      expect(after.status).to.equal('requires_payment_method');
      expect(after.last_payment_error).to.include({ type: 'card_error', code: 'card_declined', message: 'Your card has insufficient funds.' });
      expect(receiver.events.map((e) => e.type)).to.deep.equal(['payment_intent.payment_failed']);
    });

    it('builds the succeeded event without delivering it when asked to', async () => {
      const pi = await createIntent();
      const event = await standIn.succeed(pi.id, { deliver: false });
      expect(event.type).to.equal('payment_intent.succeeded');
      expect(receiver.requests).to.equal(0);
      expect(await standIn.deliver(event)).to.equal(200);
      expect(receiver.events.map((e) => e.id)).to.deep.equal([event.id]);
    });

    it('cancels a pending PaymentIntent with its reason and emits payment_intent.canceled', async () => {
      const pi = await createIntent();
      const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'abandoned' });
      expect(canceled).to.include({ status: 'canceled', cancellation_reason: 'abandoned' });
      await standIn.idle();
      expect(receiver.events.map((e) => `${e.type}:${(e.data.object as { id: string }).id}`)).to.deep.equal([`payment_intent.canceled:${pi.id}`]);
    });

    it('refuses to cancel a succeeded PaymentIntent with payment_intent_unexpected_state', async () => {
      const pi = await createIntent();
      await standIn.succeed(pi.id);
      const err = await rejection(stripe.paymentIntents.cancel(pi.id));
      expect(err.statusCode).to.equal(400);
      expect(err.code).to.equal('payment_intent_unexpected_state');
    });

    it('refunds part then the rest of a succeeded payment and emits charge.refunded each time', async () => {
      const pi = await createIntent();
      await standIn.succeed(pi.id);
      const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 1500, reason: 'requested_by_customer', metadata: { booking_id: 'bk_1' } });
      expect(partial).to.include({ object: 'refund', amount: 1500, status: 'succeeded', payment_intent: pi.id, reason: 'requested_by_customer' });
      expect(partial.id).to.match(/^re_/);
      const rest = await stripe.refunds.create({ payment_intent: pi.id });
      expect(rest.amount).to.equal(3000);
      expect((await stripe.refunds.retrieve(partial.id)).metadata).to.deep.equal({ booking_id: 'bk_1' });
      await standIn.idle();
      const refunded = receiver.events.filter((e) => e.type === 'charge.refunded').map((e) => e.data.object);
      expect(refunded.map((c) => [c.amount_refunded, c.refunded, c.payment_intent])).to.have.deep.members([
        [1500, false, pi.id],
        [4500, true, pi.id],
      ]);
      const again = await rejection(stripe.refunds.create({ payment_intent: pi.id }));
      expect(again.code).to.equal('charge_already_refunded');
    });

    it('refuses to refund a PaymentIntent that has not succeeded', async () => {
      const pi = await createIntent();
      const err = await rejection(stripe.refunds.create({ payment_intent: pi.id }));
      expect(err.statusCode).to.equal(400);
      expect(err.code).to.equal('payment_intent_unexpected_state');
    });

    it('retries webhook delivery with backoff until the endpoint answers 2xx', async () => {
      receiver.respond = (n) => (n < 3 ? 500 : 200);
      const pi = await createIntent();
      const event = await standIn.succeed(pi.id);
      expect(receiver.requests).to.equal(3);
      expect(receiver.events.map((e) => e.id)).to.deep.equal([event.id]);
      expect(standIn.deliveries().map((d) => [d.attempt, d.status])).to.deep.equal([
        [1, 500],
        [2, 500],
        [3, 200],
      ]);
    });

    it('gives up after a bounded number of webhook attempts', async () => {
      receiver.respond = () => 503;
      const pi = await createIntent();
      await standIn.succeed(pi.id);
      expect(receiver.requests).to.equal(5);
    });

    it('answers the API call without waiting for a slow webhook endpoint', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      receiver.respond = async () => {
        await gate;
        return 200;
      };
      const pi = await createIntent();
      const started = Date.now();
      await stripe.paymentIntents.cancel(pi.id);
      expect(Date.now() - started).to.be.below(500);
      expect(receiver.events).to.have.length(0);
      release();
      await standIn.idle();
      expect(receiver.events.map((e) => e.type)).to.deep.equal(['payment_intent.canceled']);
    });

    it('re-sends the very same event so duplicates can be tested', async () => {
      const pi = await createIntent();
      const event = await standIn.succeed(pi.id);
      expect(await standIn.deliver(event)).to.equal(200);
      expect(receiver.events.map((e) => e.id)).to.deep.equal([event.id, event.id]);
    });

    it('delivers hand-built events, e.g. an older state out of order', async () => {
      const pi = await createIntent();
      await standIn.succeed(pi.id);
      const stale: StripeEvent = standIn.buildEvent('payment_intent.payment_failed', { ...standIn.paymentIntent(pi.id), status: 'requires_payment_method' });
      expect(stale.id).to.match(/^evt_/);
      expect(await standIn.deliver(stale)).to.equal(200);
      expect(receiver.events.map((e) => e.type)).to.deep.equal(['payment_intent.succeeded', 'payment_intent.payment_failed']);
    });

    it('signs payloads with the stripe helper so a stale timestamp fails verification', async () => {
      const payload = JSON.stringify({ id: 'evt_x', object: 'event' });
      const fresh = signPayload(payload, WEBHOOK_SECRET);
      expect(Stripe.webhooks.constructEvent(payload, fresh, WEBHOOK_SECRET).id).to.equal('evt_x');
      const stale = signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600);
      expect(() => Stripe.webhooks.constructEvent(payload, stale, WEBHOOK_SECRET)).to.throw(/timestamp outside the tolerance/i);
      const pi = await createIntent();
      const event = await standIn.succeed(pi.id, { deliver: false });
      expect(await standIn.deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 600 })).to.equal(400);
      expect(await standIn.deliver(event, { secret: 'whsec_wrong' })).to.equal(400);
      expect(receiver.rejected).to.have.length(2);
    });
  });

  describe('faults and call log', () => {
    it('answers 500 api_error for the next N calls, which a retrying client rides out', async () => {
      standIn.setFault({ mode: 'error', count: 1 });
      const err = await rejection(createIntent());
      expect(err.type).to.equal('StripeAPIError');
      expect(err.statusCode).to.equal(500);
      expect((await createIntent()).status).to.equal('requires_payment_method');

      standIn.setFault({ mode: 'error', count: 1 });
      const retrying = client(standIn, { maxNetworkRetries: 2 });
      const pi = await retrying.paymentIntents.create({ amount: 100, currency: 'usd' }, { idempotencyKey: 'retry-me' });
      expect(pi.status).to.equal('requires_payment_method');
      expect(
        standIn
          .calls()
          .filter((c) => c.idempotencyKey === 'retry-me')
          .map((c) => c.status),
      ).to.deep.equal([500, 200]);
    });

    it('drops the connection while down and recovers when the fault is cleared', async () => {
      standIn.setFault({ mode: 'down' });
      const err = await rejection(createIntent());
      expect(err.type).to.equal('StripeConnectionError');
      standIn.setFault({ mode: 'none' });
      expect((await createIntent()).status).to.equal('requires_payment_method');
    });

    it('delays answers while slow so a client timeout fires', async () => {
      standIn.setFault({ mode: 'slow', delayMs: 600, count: 1 });
      const impatient = client(standIn, { timeout: 150 });
      const err = await rejection(impatient.paymentIntents.create({ amount: 100, currency: 'usd' }));
      expect(err.type).to.equal('StripeConnectionError');
      expect(err.message).to.match(/timeout/i);
    });

    it('records API calls with method, path and idempotency key', async () => {
      const pi = await createIntent('booking-bk_9');
      await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'abandoned' });
      const calls = standIn.calls();
      expect(calls.map((c) => [c.method, c.path, c.status])).to.deep.equal([
        ['POST', '/v1/payment_intents', 200],
        ['POST', `/v1/payment_intents/${pi.id}/cancel`, 200],
      ]);
      expect(calls[0]?.idempotencyKey).to.equal('booking-bk_9');
      expect(calls[0]?.params).to.deep.include({ amount: '4500', metadata: { booking_id: 'bk_1' } });
      expect(calls[1]?.params).to.deep.equal({ cancellation_reason: 'abandoned' });
    });

    it('offers the test controls over HTTP too', async () => {
      const pi = await createIntent();
      const res = await fetch(`${standIn.url}/_stand-in/payment_intents/${pi.id}/succeed`, { method: 'POST' });
      expect(res.status).to.equal(200);
      const event = (await res.json()) as StripeEvent;
      expect(event.type).to.equal('payment_intent.succeeded');
      expect(receiver.events.map((e) => e.id)).to.deep.equal([event.id]);
      const state = (await (await fetch(`${standIn.url}/_stand-in/payment_intents/${pi.id}`)).json()) as { status: string };
      expect(state.status).to.equal('succeeded');
      await fetch(`${standIn.url}/_stand-in/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'error', count: 1 }),
      });
      expect((await rejection(createIntent())).statusCode).to.equal(500);
      expect((await createIntent()).object).to.equal('payment_intent');
    });
  });
});
