/**
 * Local Stripe stand-in: a real HTTP server that the official `stripe` library talks to through
 * its `host` / `port` / `protocol` settings, speaking Stripe's wire protocol (form-encoded
 * bodies, Bearer `sk_test_…` keys, Stripe-shaped JSON objects and errors, `Idempotency-Key`
 * replay) and delivering signed webhook events (`Stripe-Signature` made by the stripe library's
 * own helper) to the app, with retries and backoff.
 *
 * Client configuration:
 *   const u = new URL(standIn.url);
 *   new Stripe('sk_test_anything', { host: u.hostname, port: Number(u.port), protocol: 'http' });
 *
 * Supported Stripe endpoints:
 *   POST /v1/payment_intents                 create (status requires_payment_method,
 *                                            or confirm=true with payment_method)
 *   GET  /v1/payment_intents/:id             retrieve (expand[]=latest_charge)
 *   POST /v1/payment_intents/:id             update (metadata, description, amount, currency…)
 *   POST /v1/payment_intents/:id/confirm     confirm with payment_method (pm_card_visa succeeds,
 *                                            pm_card_chargeDeclined / pm_card_visa_chargeDeclined
 *                                            decline with a 402 card_error)
 *   POST /v1/payment_intents/:id/cancel      cancel (emits payment_intent.canceled)
 *   POST /v1/refunds                         refund a succeeded PaymentIntent / charge
 *                                            (emits charge.refunded)
 *   GET  /v1/refunds/:id, GET /v1/charges/:id, GET /v1/events/:id
 *
 * Test controls (no auth), mirrored by methods of the returned StripeStandIn:
 *   POST /_stand-in/payment_intents/:id/succeed   {"deliver": false?, "force": true?}
 *   POST /_stand-in/payment_intents/:id/fail      {"message": "...", "deliver": false?}
 *   GET  /_stand-in/payment_intents/:id
 *   POST /_stand-in/fault                         {"mode": "none|error|slow|down", "delayMs", "count"}
 *   POST /_stand-in/webhook_url                   {"url": "http://…" | null}
 *   GET  /_stand-in/calls, GET /_stand-in/events
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type Metadata = Record<string, string>;

export type PaymentIntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';

export interface LastPaymentError {
  type: 'card_error';
  code: string;
  decline_code: string | null;
  message: string;
  doc_url: string;
  charge: string | null;
  payment_method: { id: string; object: 'payment_method'; type: 'card' } | null;
}

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  application: null;
  application_fee_amount: number | null;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: string;
  client_secret: string;
  confirmation_method: string;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: LastPaymentError | null;
  latest_charge: string | Charge | null;
  livemode: false;
  metadata: Metadata;
  next_action: null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_types: string[];
  receipt_email: string | null;
  setup_future_usage: string | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  outcome: { network_status: string; reason: string | null; risk_level: string; seller_message: string; type: string };
  paid: boolean;
  payment_intent: string | PaymentIntent;
  payment_method: string | null;
  receipt_email: string | null;
  refunded: boolean;
  status: 'succeeded' | 'failed' | 'pending';
}

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string | Charge;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string | PaymentIntent;
  reason: string | null;
  receipt_number: null;
  status: 'succeeded';
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export type FaultMode = 'none' | 'error' | 'slow' | 'down';

export interface Fault {
  mode: FaultMode;
  /** for 'slow': how long to hold each request before answering (default 2000 ms) */
  delayMs?: number;
  /** only the next N API calls (/v1/…) are affected; unlimited when absent */
  count?: number;
}

export interface Call {
  method: string;
  /** path without the query string, e.g. /v1/payment_intents/pi_123/cancel */
  path: string;
  idempotencyKey: string | undefined;
  /** parsed form / query parameters */
  params: Record<string, unknown>;
  /** HTTP status answered; undefined while in flight, 0 when the socket was destroyed */
  status: number | undefined;
  /** true when the answer was an idempotent replay */
  replayed: boolean;
  /** fault applied to this call, if any */
  fault: FaultMode | undefined;
  at: Date;
}

export interface Delivery {
  eventId: string;
  type: string;
  attempt: number;
  url: string;
  /** HTTP status of the webhook endpoint, 0 for a connection error / timeout */
  status: number;
  error?: string;
  at: Date;
}

export interface SucceedOptions {
  /** deliver the payment_intent.succeeded event (default true); false only builds and records it */
  deliver?: boolean;
  /** allow succeeding a canceled PaymentIntent (simulates a payment racing a cancellation) */
  force?: boolean;
}

export interface FailOptions {
  deliver?: boolean;
  /** Stripe decline code (default generic_decline) */
  declineCode?: string;
}

export interface DeliverOptions {
  /** retry with backoff like the automatic deliveries (default false: a single attempt) */
  retry?: boolean;
  /** sign with this secret instead of the configured one */
  secret?: string;
  /** signature timestamp in seconds (e.g. a stale one) */
  timestamp?: number;
  /** send exactly this Stripe-Signature header (or none when null) */
  signature?: string | null;
  /** send this body instead of the serialized event (signed unless `signature` is given) */
  payload?: string;
  /** deliver to this URL instead of the configured one */
  url?: string;
}

export interface StripeStandIn {
  url: string;
  port: number;
  setWebhookUrl(url: string | undefined): void;
  /** Marks the PaymentIntent succeeded (creates a ch_ charge) and emits payment_intent.succeeded.
   *  Resolves after delivery finished (delivered or attempts exhausted) unless deliver: false. */
  succeed(piId: string, opts?: SucceedOptions): Promise<StripeEvent>;
  /** Records a declined payment attempt (status back to requires_payment_method) and emits
   *  payment_intent.payment_failed. Resolves after delivery unless deliver: false. */
  fail(piId: string, message?: string, opts?: FailOptions): Promise<StripeEvent>;
  setFault(f: Fault): void;
  calls(): Call[];
  /** Forget the recorded calls. */
  clearCalls(): void;
  paymentIntent(id: string): PaymentIntent | undefined;
  paymentIntents(): PaymentIntent[];
  refunds(): Refund[];
  charge(id: string): Charge | undefined;
  /** Every event built so far (automatic ones and buildEvent), oldest first. */
  events(): StripeEvent[];
  /** Every webhook delivery attempt so far, oldest first. */
  deliveries(): Delivery[];
  /** Sends the event to the webhook URL; single attempt unless { retry: true }. Resolves with the
   *  HTTP status of the (last) attempt, 0 for a connection error, -1 when no URL is configured. */
  deliver(event: StripeEvent, opts?: DeliverOptions): Promise<number>;
  buildEvent(type: string, object: object, previousAttributes?: object): StripeEvent;
  /** Resolves once every background webhook delivery in flight has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StripeStandInOptions {
  port?: number;
  host?: string;
  webhookSecret: string;
  webhookUrl?: string;
  log?: (msg: string, extra?: object) => void;
  /** accept only these secret keys (default: any sk_test_… / rk_test_… key) */
  apiKeys?: string[];
  /** webhook attempts per event for automatic deliveries (default 5) */
  webhookAttempts?: number;
  /** first retry delay (default 200 ms), doubled each time, capped by webhookMaxBackoffMs */
  webhookBackoffMs?: number;
  /** default 3000 ms */
  webhookMaxBackoffMs?: number;
  /** per-attempt timeout (default 5000 ms) */
  webhookTimeoutMs?: number;
}

/** Signs a webhook payload with the stripe library's own helper (`t=…,v1=…`). */
export function signPayload(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString(timestamp === undefined ? { payload, secret } : { payload, secret, timestamp });
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return `${prefix}_${out}`;
}

const now = (): number => Math.floor(Date.now() / 1000);
const clone = <T>(v: T): T => structuredClone(v);

interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'card_error' | 'idempotency_error';
  code?: string;
  message: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  payment_intent?: PaymentIntent;
}

class ApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /** whether an idempotency key stores this answer (false for validation failures) */
  readonly storable: boolean;

  constructor(status: number, body: StripeErrorBody, storable = true) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.storable = storable;
  }
}

const invalid = (message: string, param?: string, code = 'parameter_invalid_empty'): ApiError =>
  new ApiError(400, { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) }, false);

const missing = (kind: string, id: string, param = 'id'): ApiError =>
  new ApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
  });

/**
 * Parses Stripe's form encoding (`a[b][c]=v`, `list[0]=x`, `list[]=y`) into nested objects;
 * objects whose keys are all indices become arrays.
 */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!m) {
      root[rawKey] = value;
      continue;
    }
    const path = [m[1] as string, ...[...(m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] as string)];
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length; i++) {
      let key = path[i] as string;
      const last = i === path.length - 1;
      if (key === '') key = String(Object.keys(node).length); // list[]=…
      if (last) {
        node[key] = value;
      } else {
        const next = node[key];
        if (typeof next !== 'object' || next === null) node[key] = {};
        node = node[key] as Record<string, unknown>;
      }
    }
  }
  return arrayify(root) as Record<string, unknown>;
}

function arrayify(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (const k of keys) obj[k] = arrayify(obj[k]);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => obj[k]);
  return obj;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function checkKnown(params: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(params)) {
    if (!known.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
  }
}

function str(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`Invalid string: ${JSON.stringify(v)}`, name, 'parameter_invalid_string');
  return v;
}

function int(params: Record<string, unknown>, name: string): number | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  return Number(v);
}

function bool(params: Record<string, unknown>, name: string): boolean | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid boolean: ${v}`, name, 'parameter_invalid_boolean');
  return v === 'true';
}

function enumOf<T extends string>(params: Record<string, unknown>, name: string, values: readonly T[]): T | undefined {
  const v = str(params, name);
  if (v === undefined || v === '') return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw invalid(`Invalid ${name}: must be one of ${values.join(', ')}`, name, 'parameter_invalid_string');
  }
  return v as T;
}

/** Applies `metadata` params onto `base` with Stripe's rules (empty value unsets a key). */
function mergeMetadata(base: Metadata, raw: unknown): Metadata {
  if (raw === undefined) return base;
  if (raw === '') return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('Invalid metadata: must be an object', 'metadata', 'parameter_invalid_string');
  }
  const out: Metadata = { ...base };
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalid(`Invalid metadata[${k}]: must be a string`, `metadata[${k}]`);
    if (k.length > 40) throw invalid('Metadata keys can have up to 40 characters', `metadata[${k}]`, 'parameter_invalid_string');
    if (v.length > 500) throw invalid('Metadata values can have up to 500 characters', `metadata[${k}]`, 'parameter_invalid_string');
    if (v === '') delete out[k];
    else out[k] = v;
  }
  if (Object.keys(out).length > 50) throw invalid('Metadata can have up to 50 keys', 'metadata', 'parameter_invalid_string');
  return out;
}

function expandList(params: Record<string, unknown>): string[] {
  const e = params.expand;
  if (e === undefined) return [];
  const list = Array.isArray(e) ? e : [e];
  return list.map((x) => String(x));
}

const CANCELABLE: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

const DECLINING_PAYMENT_METHODS = new Set(['pm_card_chargeDeclined', 'pm_card_visa_chargeDeclined']);

interface IdemRecord {
  fingerprint: string;
  state: 'in_progress' | 'done';
  status: number;
  body: string;
}

interface Handled {
  status: number;
  body: unknown;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export async function startStripeStandIn(opts: StripeStandInOptions): Promise<StripeStandIn> {
  const log = opts.log ?? (() => {});
  const apiVersion = Stripe.API_VERSION;
  const attempts = Math.max(1, opts.webhookAttempts ?? 5);
  const backoff = opts.webhookBackoffMs ?? 200;
  const maxBackoff = opts.webhookMaxBackoffMs ?? 3000;
  const attemptTimeout = opts.webhookTimeoutMs ?? 5000;

  let webhookUrl = opts.webhookUrl;
  let fault: Fault = { mode: 'none' };
  let faultRemaining: number | undefined;
  let stopped = false;

  const intents = new Map<string, PaymentIntent>();
  const charges = new Map<string, Charge>();
  const refunds = new Map<string, Refund>();
  const events: StripeEvent[] = [];
  const eventsById = new Map<string, StripeEvent>();
  const deliveryLog: Delivery[] = [];
  const callLog: Call[] = [];
  const idempotency = new Map<string, IdemRecord>();
  const inFlight = new Set<Promise<unknown>>();
  const sleepers = new Set<() => void>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  /** an interruptible sleep: stop() wakes every sleeper */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      sleepers.add(done);
    });

  // --- events & webhooks ---------------------------------------------------------------------

  function buildEvent(
    type: string,
    object: object,
    previousAttributes?: object,
    request: { id: string | null; idempotency_key: string | null } = { id: null, idempotency_key: null },
  ): StripeEvent {
    const event: StripeEvent = {
      id: randomId('evt'),
      object: 'event',
      api_version: apiVersion,
      created: now(),
      data: {
        object: clone(object) as Record<string, unknown>,
        ...(previousAttributes ? { previous_attributes: clone(previousAttributes) as Record<string, unknown> } : {}),
      },
      livemode: false,
      pending_webhooks: webhookUrl ? 1 : 0,
      request,
      type,
    };
    events.push(event);
    eventsById.set(event.id, event);
    return event;
  }

  async function attemptDelivery(event: StripeEvent, attempt: number, o: DeliverOptions): Promise<number> {
    const url = o.url ?? webhookUrl;
    if (!url) return -1;
    const payload = o.payload ?? JSON.stringify(event, null, 2);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'cache-control': 'no-cache',
      accept: '*/*; q=0.5, application/xml',
    };
    if (o.signature !== null) {
      headers['stripe-signature'] = o.signature ?? signPayload(payload, o.secret ?? opts.webhookSecret, o.timestamp);
    }
    let status = 0;
    let error: string | undefined;
    try {
      const res = await fetch(url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(attemptTimeout) });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    }
    deliveryLog.push({ eventId: event.id, type: event.type, attempt, url, status, ...(error ? { error } : {}), at: new Date() });
    log('stripe stand-in: webhook delivery', { event: event.id, type: event.type, attempt, status, ...(error ? { error } : {}) });
    return status;
  }

  async function deliver(event: StripeEvent, o: DeliverOptions = {}): Promise<number> {
    const max = o.retry ? attempts : 1;
    let status = -1;
    for (let attempt = 1; attempt <= max && !stopped; attempt++) {
      status = await attemptDelivery(event, attempt, o);
      if (status === -1) {
        log('stripe stand-in: no webhook URL configured, event not delivered', { event: event.id, type: event.type });
        return status;
      }
      if (status >= 200 && status < 300) return status;
      if (attempt < max) await pause(Math.min(backoff * 2 ** (attempt - 1), maxBackoff));
    }
    return status;
  }

  /** Background delivery with retries; never awaited by API responses. */
  const emit = (event: StripeEvent): Promise<number> => track(deliver(event, { retry: true }));

  // --- domain ----------------------------------------------------------------------------------

  function getIntent(id: string, param = 'intent'): PaymentIntent {
    const pi = intents.get(id);
    if (!pi) throw missing('payment_intent', id, param);
    return pi;
  }

  function expandIntent(pi: PaymentIntent, expand: string[]): PaymentIntent {
    const out = clone(pi);
    for (const e of expand) {
      if (e === 'latest_charge') {
        if (typeof out.latest_charge === 'string') out.latest_charge = clone<Charge | null>(charges.get(out.latest_charge) ?? null);
      } else throw invalid(`This property cannot be expanded (${e}).`, 'expand', 'parameter_invalid_string');
    }
    return out;
  }

  function expandRefund(r: Refund, expand: string[]): Refund {
    const out = clone(r);
    for (const e of expand) {
      if (e === 'charge' && typeof out.charge === 'string') out.charge = clone(charges.get(out.charge)) as Charge;
      else if (e === 'payment_intent' && typeof out.payment_intent === 'string') {
        out.payment_intent = clone(intents.get(out.payment_intent)) as PaymentIntent;
      } else if (e !== 'charge' && e !== 'payment_intent') {
        throw invalid(`This property cannot be expanded (${e}).`, 'expand', 'parameter_invalid_string');
      }
    }
    return out;
  }

  function newCharge(pi: PaymentIntent, ok: boolean, failure?: { code: string; message: string; decline: string }): Charge {
    const ch: Charge = {
      id: randomId('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: ok ? pi.amount : 0,
      amount_refunded: 0,
      balance_transaction: ok ? randomId('txn') : null,
      captured: ok,
      created: now(),
      currency: pi.currency,
      customer: pi.customer,
      description: pi.description,
      failure_code: failure ? failure.code : null,
      failure_message: failure ? failure.message : null,
      livemode: false,
      metadata: { ...pi.metadata },
      outcome: ok
        ? { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' }
        : {
            network_status: 'declined_by_network',
            reason: failure?.decline ?? 'generic_decline',
            risk_level: 'normal',
            seller_message: 'The bank did not return any further details with this decline.',
            type: 'issuer_declined',
          },
      paid: ok,
      payment_intent: pi.id,
      payment_method: pi.payment_method,
      receipt_email: pi.receipt_email,
      refunded: false,
      status: ok ? 'succeeded' : 'failed',
    };
    charges.set(ch.id, ch);
    return ch;
  }

  type Req = { id: string | null; idempotency_key: string | null };

  function markSucceeded(pi: PaymentIntent, force: boolean, req?: Req): StripeEvent {
    if (pi.status === 'succeeded' || (pi.status === 'canceled' && !force)) {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `This PaymentIntent's status is ${pi.status}, so it cannot be confirmed.`,
        payment_intent: clone(pi),
      });
    }
    const previous = { status: pi.status, amount_received: pi.amount_received, latest_charge: pi.latest_charge };
    pi.payment_method ??= randomId('pm');
    const ch = newCharge(pi, true);
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    pi.latest_charge = ch.id;
    pi.last_payment_error = null;
    log('stripe stand-in: payment_intent succeeded', { id: pi.id, charge: ch.id });
    return buildEvent('payment_intent.succeeded', pi, previous, req);
  }

  function markFailed(pi: PaymentIntent, message: string, declineCode: string, req?: Req): StripeEvent {
    if (pi.status === 'succeeded' || pi.status === 'canceled') {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `This PaymentIntent's status is ${pi.status}, so it cannot be confirmed.`,
        payment_intent: clone(pi),
      });
    }
    const previous = { status: pi.status, last_payment_error: pi.last_payment_error, latest_charge: pi.latest_charge };
    const pm = pi.payment_method ?? randomId('pm');
    pi.payment_method = pm;
    const ch = newCharge(pi, false, { code: 'card_declined', message, decline: declineCode });
    pi.status = 'requires_payment_method';
    pi.latest_charge = ch.id;
    pi.payment_method = null;
    pi.last_payment_error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: declineCode,
      message,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      charge: ch.id,
      payment_method: { id: pm, object: 'payment_method', type: 'card' },
    };
    log('stripe stand-in: payment_intent payment_failed', { id: pi.id, message });
    return buildEvent('payment_intent.payment_failed', pi, previous, req);
  }

  // --- API handlers ----------------------------------------------------------------------------

  const PI_CREATE_PARAMS = [
    'amount',
    'currency',
    'metadata',
    'automatic_payment_methods',
    'description',
    'customer',
    'receipt_email',
    'payment_method_types',
    'capture_method',
    'confirm',
    'payment_method',
    'statement_descriptor',
    'statement_descriptor_suffix',
    'setup_future_usage',
    'expand',
    'on_behalf_of',
    'transfer_data',
    'transfer_group',
    'application_fee_amount',
    'shipping',
    'return_url',
    'confirmation_method',
    'off_session',
    'payment_method_options',
    'error_on_requires_action',
  ] as const;

  function validateAmount(params: Record<string, unknown>, required: boolean): number | undefined {
    const amount = int(params, 'amount');
    if (amount === undefined) {
      if (required) throw invalid('Missing required param: amount.', 'amount', 'parameter_missing');
      return undefined;
    }
    if (amount < 1) throw invalid('Amount must be at least 1', 'amount', 'amount_too_small');
    if (amount > 99_999_999) throw invalid('Amount must be no more than 99999999', 'amount', 'amount_too_large');
    return amount;
  }

  function validateCurrency(params: Record<string, unknown>, required: boolean): string | undefined {
    const currency = str(params, 'currency');
    if (currency === undefined || currency === '') {
      if (required) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
      return undefined;
    }
    if (!/^[a-zA-Z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}.`, 'currency', 'parameter_invalid_string');
    return currency.toLowerCase();
  }

  function confirmWith(pi: PaymentIntent, paymentMethod: string | undefined, req: Req): void {
    if (!paymentMethod && !pi.payment_method) {
      throw invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Update it with a payment_method or pass one when confirming.",
        'payment_method',
        'payment_intent_unexpected_state',
      );
    }
    if (paymentMethod) pi.payment_method = paymentMethod;
    if (DECLINING_PAYMENT_METHODS.has(pi.payment_method ?? '')) {
      const event = markFailed(pi, 'Your card was declined.', 'generic_decline', req);
      void emit(event);
      throw new ApiError(402, {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        payment_intent: clone(pi),
      });
    }
    void emit(markSucceeded(pi, false, req));
  }

  function createPaymentIntent(params: Record<string, unknown>, req: Req): Handled {
    checkKnown(params, PI_CREATE_PARAMS);
    const amount = validateAmount(params, true) as number;
    const currency = validateCurrency(params, true) as string;
    const apmRaw = params.automatic_payment_methods;
    let automatic: PaymentIntent['automatic_payment_methods'] = null;
    if (apmRaw !== undefined) {
      if (typeof apmRaw !== 'object' || apmRaw === null) {
        throw invalid('Invalid automatic_payment_methods', 'automatic_payment_methods', 'parameter_invalid_string');
      }
      const enabled = bool(apmRaw as Record<string, unknown>, 'enabled');
      if (enabled === undefined) {
        throw invalid('Missing required param: automatic_payment_methods[enabled].', 'automatic_payment_methods[enabled]', 'parameter_missing');
      }
      const allow = str(apmRaw as Record<string, unknown>, 'allow_redirects');
      automatic = { enabled, ...(allow ? { allow_redirects: allow } : {}) };
    }
    const pmTypes = params.payment_method_types;
    if (pmTypes !== undefined && automatic?.enabled) {
      throw invalid(
        'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
        'payment_method_types',
        'parameter_invalid_string',
      );
    }
    const captureMethod = enumOf(params, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const);
    const id = randomId('pi');
    const pi: PaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      application: null,
      application_fee_amount: int(params, 'application_fee_amount') ?? null,
      automatic_payment_methods: automatic ?? (pmTypes === undefined ? { enabled: true } : null),
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod ?? 'automatic_async',
      client_secret: `${id}_secret_${randomId('x', 25).slice(2)}`,
      confirmation_method: enumOf(params, 'confirmation_method', ['automatic', 'manual'] as const) ?? 'automatic',
      created: now(),
      currency,
      customer: str(params, 'customer') || null,
      description: str(params, 'description') || null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: mergeMetadata({}, params.metadata),
      next_action: null,
      on_behalf_of: null,
      payment_method: str(params, 'payment_method') || null,
      payment_method_types: Array.isArray(pmTypes) ? pmTypes.map(String) : ['card'],
      receipt_email: str(params, 'receipt_email') || null,
      setup_future_usage: str(params, 'setup_future_usage') || null,
      statement_descriptor: str(params, 'statement_descriptor') || null,
      statement_descriptor_suffix: str(params, 'statement_descriptor_suffix') || null,
      status: 'requires_payment_method',
    };
    if (pi.payment_method) pi.status = 'requires_confirmation';
    intents.set(id, pi);
    log('stripe stand-in: payment_intent created', { id, amount, currency, metadata: pi.metadata });
    if (bool(params, 'confirm')) confirmWith(pi, undefined, req);
    return { status: 200, body: expandIntent(pi, expandList(params)) };
  }

  function updatePaymentIntent(id: string, params: Record<string, unknown>): Handled {
    checkKnown(params, [
      'amount',
      'currency',
      'metadata',
      'description',
      'receipt_email',
      'payment_method',
      'customer',
      'expand',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'setup_future_usage',
    ]);
    const pi = getIntent(id);
    if (
      (params.amount !== undefined || params.currency !== undefined || params.payment_method !== undefined) &&
      (pi.status === 'succeeded' || pi.status === 'canceled' || pi.status === 'processing')
    ) {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `You cannot update this PaymentIntent because it has a status of ${pi.status}.`,
        payment_intent: clone(pi),
      });
    }
    const amount = validateAmount(params, false);
    const currency = validateCurrency(params, false);
    if (amount !== undefined) pi.amount = amount;
    if (currency !== undefined) pi.currency = currency;
    pi.metadata = mergeMetadata(pi.metadata, params.metadata);
    const description = str(params, 'description');
    if (description !== undefined) pi.description = description || null;
    const email = str(params, 'receipt_email');
    if (email !== undefined) pi.receipt_email = email || null;
    const pm = str(params, 'payment_method');
    if (pm !== undefined) {
      pi.payment_method = pm || null;
      if (pm && pi.status === 'requires_payment_method') pi.status = 'requires_confirmation';
    }
    return { status: 200, body: expandIntent(pi, expandList(params)) };
  }

  function confirmPaymentIntent(id: string, params: Record<string, unknown>, req: Req): Handled {
    checkKnown(params, [
      'payment_method',
      'return_url',
      'expand',
      'receipt_email',
      'setup_future_usage',
      'off_session',
      'payment_method_options',
      'error_on_requires_action',
    ]);
    const pi = getIntent(id);
    if (pi.status === 'succeeded' || pi.status === 'canceled') {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `This PaymentIntent's status is ${pi.status}, so it cannot be confirmed.`,
        payment_intent: clone(pi),
      });
    }
    confirmWith(pi, str(params, 'payment_method') || undefined, req);
    return { status: 200, body: expandIntent(pi, expandList(params)) };
  }

  function cancelPaymentIntent(id: string, params: Record<string, unknown>, req: Req): Handled {
    checkKnown(params, ['cancellation_reason', 'expand']);
    const reason = enumOf(params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
    const pi = getIntent(id);
    if (!CANCELABLE.includes(pi.status)) {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
        doc_url: 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state',
        payment_intent: clone(pi),
      });
    }
    const previous = { status: pi.status, canceled_at: null, cancellation_reason: null };
    pi.status = 'canceled';
    pi.canceled_at = now();
    pi.cancellation_reason = reason ?? null;
    log('stripe stand-in: payment_intent canceled', { id, reason });
    void emit(buildEvent('payment_intent.canceled', pi, previous, req));
    return { status: 200, body: expandIntent(pi, expandList(params)) };
  }

  function createRefund(params: Record<string, unknown>, req: Req): Handled {
    checkKnown(params, [
      'payment_intent',
      'charge',
      'amount',
      'reason',
      'metadata',
      'expand',
      'instructions_email',
      'refund_application_fee',
      'reverse_transfer',
    ]);
    const piId = str(params, 'payment_intent');
    const chId = str(params, 'charge');
    if (!piId && !chId)
      throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent', 'parameter_missing');
    const reason = enumOf(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const);
    const metadata = mergeMetadata({}, params.metadata);
    const amountParam = int(params, 'amount');
    let pi: PaymentIntent;
    let ch: Charge | undefined;
    if (piId) {
      pi = getIntent(piId, 'payment_intent');
      if (pi.status !== 'succeeded') {
        throw new ApiError(400, {
          type: 'invalid_request_error',
          code: 'payment_intent_unexpected_state',
          message: `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          param: 'payment_intent',
          payment_intent: clone(pi),
        });
      }
      ch = typeof pi.latest_charge === 'string' ? charges.get(pi.latest_charge) : undefined;
    } else {
      ch = charges.get(chId as string);
      if (!ch) throw missing('charge', chId as string, 'charge');
      pi = getIntent(typeof ch.payment_intent === 'string' ? ch.payment_intent : ch.payment_intent.id, 'charge');
    }
    if (!ch || ch.status !== 'succeeded') {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'charge_not_refundable',
        message: 'This charge cannot be refunded because it did not succeed.',
        param: piId ? 'payment_intent' : 'charge',
      });
    }
    if (ch.refunded) {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: `Charge ${ch.id} has already been refunded.`,
        param: 'charge',
      });
    }
    const remaining = ch.amount_captured - ch.amount_refunded;
    const amount = amountParam ?? remaining;
    if (amount < 1) throw invalid('Refund amount must be at least 1', 'amount', 'amount_too_small');
    if (amount > remaining) {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        param: 'amount',
      });
    }
    const refund: Refund = {
      id: randomId('re'),
      object: 'refund',
      amount,
      balance_transaction: randomId('txn'),
      charge: ch.id,
      created: now(),
      currency: ch.currency,
      metadata,
      payment_intent: pi.id,
      reason: reason ?? null,
      receipt_number: null,
      status: 'succeeded',
    };
    refunds.set(refund.id, refund);
    const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
    ch.amount_refunded += amount;
    ch.refunded = ch.amount_refunded >= ch.amount_captured;
    log('stripe stand-in: refund created', { id: refund.id, payment_intent: pi.id, amount });
    void emit(buildEvent('charge.refunded', ch, previous, req));
    return { status: 200, body: expandRefund(refund, expandList(params)) };
  }

  function route(method: string, path: string, params: Record<string, unknown>, req: Req): Handled {
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const [v1, resource, id, action] = parts;
    if (v1 === 'v1' && parts.length <= 4) {
      if (resource === 'payment_intents') {
        if (method === 'POST' && parts.length === 2) return createPaymentIntent(params, req);
        if (method === 'GET' && parts.length === 3 && id) {
          checkKnown(params, ['expand', 'client_secret']);
          return { status: 200, body: expandIntent(getIntent(id), expandList(params)) };
        }
        if (method === 'POST' && parts.length === 3 && id) return updatePaymentIntent(id, params);
        if (method === 'POST' && id && action === 'cancel') return cancelPaymentIntent(id, params, req);
        if (method === 'POST' && id && action === 'confirm') return confirmPaymentIntent(id, params, req);
      }
      if (resource === 'refunds') {
        if (method === 'POST' && parts.length === 2) return createRefund(params, req);
        if (method === 'GET' && parts.length === 3 && id) {
          checkKnown(params, ['expand']);
          const r = refunds.get(id);
          if (!r) throw missing('refund', id);
          return { status: 200, body: expandRefund(r, expandList(params)) };
        }
      }
      if (resource === 'charges' && method === 'GET' && parts.length === 3 && id) {
        const ch = charges.get(id);
        if (!ch) throw missing('charge', id);
        return { status: 200, body: clone(ch) };
      }
      if (resource === 'events' && method === 'GET' && parts.length === 3 && id) {
        const ev = eventsById.get(id);
        if (!ev) throw missing('event', id);
        return { status: 200, body: clone(ev) };
      }
    }
    throw new ApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    });
  }

  // --- HTTP plumbing -----------------------------------------------------------------------------

  function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 1_000_000) {
          reject(new Error('body too large'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'stripe-version': apiVersion,
      ...headers,
    });
    res.end(body);
  }

  const errorJson = (e: StripeErrorBody): string => JSON.stringify({ error: e }, null, 2);

  function authenticate(req: http.IncomingMessage): { key: string } | { error: string } {
    const header = req.headers.authorization;
    let key: string | undefined;
    if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
    else if (header?.startsWith('Basic ')) key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
    if (!key) {
      return {
        error:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      };
    }
    const ok = opts.apiKeys ? opts.apiKeys.includes(key) : /^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key);
    if (!ok) {
      const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
      return { error: `Invalid API Key provided: ${masked}` };
    }
    return { key };
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = randomId('req', 14);
    const idemHeader = req.headers['idempotency-key'];
    const idemKey = Array.isArray(idemHeader) ? idemHeader[0] : idemHeader;
    const call: Call = {
      method,
      path: url.pathname,
      idempotencyKey: idemKey,
      params: {},
      status: undefined,
      replayed: false,
      fault: undefined,
      at: new Date(),
    };
    callLog.push(call);
    const headers: Record<string, string> = { 'request-id': requestId };
    if (idemKey) headers['idempotency-key'] = idemKey;
    const reply = (status: number, body: string, extra: Record<string, string> = {}): void => {
      call.status = status;
      send(res, status, body, { ...headers, ...extra });
    };

    // faults apply to the next N API calls, before anything else
    if (fault.mode !== 'none') {
      const applied = fault;
      if (faultRemaining !== undefined) {
        faultRemaining -= 1;
        if (faultRemaining <= 0) {
          fault = { mode: 'none' };
          faultRemaining = undefined;
        }
      }
      call.fault = applied.mode;
      log('stripe stand-in: fault applied', { mode: applied.mode, method, path: url.pathname });
      if (applied.mode === 'down') {
        call.status = 0;
        req.socket.destroy();
        return;
      }
      if (applied.mode === 'error') {
        req.resume();
        reply(500, errorJson({ type: 'api_error', message: 'An unknown error occurred (stand-in fault injection).' }));
        return;
      }
      if (applied.mode === 'slow') await pause(applied.delayMs ?? 2000);
    }

    let raw: string;
    try {
      raw = method === 'GET' || method === 'DELETE' ? url.search.slice(1) : await readBody(req);
    } catch {
      call.status = 0;
      return;
    }
    const auth = authenticate(req);
    if ('error' in auth) {
      reply(401, errorJson({ type: 'invalid_request_error', message: auth.error }), {
        'www-authenticate': 'Bearer realm="Stripe"',
      });
      return;
    }
    let params: Record<string, unknown>;
    try {
      params = parseStripeForm(raw);
      if (method === 'POST' && url.search) Object.assign(params, parseStripeForm(url.search.slice(1)));
    } catch {
      reply(400, errorJson({ type: 'invalid_request_error', message: 'Invalid request body.' }));
      return;
    }
    call.params = params;

    // Idempotency: POST only, scoped per API key
    const scoped = method === 'POST' && idemKey ? `${auth.key}\u0000${idemKey}` : undefined;
    const fingerprint = `${method} ${url.pathname} ${canonical(params)}`;
    if (scoped) {
      if (idemKey && idemKey.length > 255) {
        reply(400, errorJson({ type: 'invalid_request_error', message: 'Idempotency-Key must be at most 255 characters long.' }));
        return;
      }
      const existing = idempotency.get(scoped);
      if (existing) {
        if (existing.fingerprint !== fingerprint) {
          reply(
            400,
            errorJson({
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            }),
          );
          return;
        }
        if (existing.state === 'in_progress') {
          reply(
            409,
            errorJson({
              type: 'idempotency_error',
              code: 'idempotency_key_in_use',
              message:
                'There is currently another in-progress request using this Stripe API key (or connected account) and idempotency key (if applicable), please retry this request later.',
            }),
          );
          return;
        }
        call.replayed = true;
        log('stripe stand-in: idempotent replay', { key: idemKey, path: url.pathname });
        reply(existing.status, existing.body, { 'idempotent-replayed': 'true', 'original-request': requestId });
        return;
      }
      idempotency.set(scoped, { fingerprint, state: 'in_progress', status: 0, body: '' });
    }

    const reqInfo: Req = { id: requestId, idempotency_key: idemKey ?? null };
    let status: number;
    let body: string;
    let storable = true;
    try {
      const handled = route(method, url.pathname, params, reqInfo);
      status = handled.status;
      body = JSON.stringify(handled.body, null, 2);
    } catch (err) {
      if (err instanceof ApiError) {
        status = err.status;
        body = errorJson(err.body);
        storable = err.storable;
      } else {
        log('stripe stand-in: internal error', { error: String(err) });
        status = 500;
        body = errorJson({ type: 'api_error', message: 'An unknown error occurred.' });
        storable = false;
      }
    }
    if (scoped) {
      if (storable) idempotency.set(scoped, { fingerprint, state: 'done', status, body });
      else idempotency.delete(scoped);
    }
    reply(status, body);
  }

  // --- test controls over HTTP ---------------------------------------------------------------

  async function handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' ? '' : await readBody(req);
    let body: Record<string, unknown> = {};
    if (raw.trim()) {
      body = raw.trim().startsWith('{') ? (JSON.parse(raw) as Record<string, unknown>) : parseStripeForm(raw);
    }
    const json = (status: number, v: unknown): void => send(res, status, JSON.stringify(v, null, 2));
    const parts = url.pathname
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const [, resource, id, action] = parts;
    const flag = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');
    try {
      if (resource === 'payment_intents' && id) {
        if (method === 'GET' && !action) {
          const pi = intents.get(id);
          return pi
            ? json(200, pi)
            : json(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${id}'` } });
        }
        if (method === 'POST' && action === 'succeed') {
          const deliverFlag = flag(body.deliver);
          const force = flag(body.force);
          return json(
            200,
            await api.succeed(id, { ...(deliverFlag !== undefined ? { deliver: deliverFlag } : {}), ...(force !== undefined ? { force } : {}) }),
          );
        }
        if (method === 'POST' && action === 'fail') {
          const deliverFlag = flag(body.deliver);
          return json(
            200,
            await api.fail(id, typeof body.message === 'string' ? body.message : undefined, deliverFlag !== undefined ? { deliver: deliverFlag } : {}),
          );
        }
      }
      if (resource === 'fault' && method === 'POST') {
        const mode = String(body.mode ?? 'none') as FaultMode;
        if (!['none', 'error', 'slow', 'down'].includes(mode)) return json(400, { error: { type: 'invalid_request_error', message: `bad mode ${mode}` } });
        const f: Fault = { mode };
        if (body.delayMs !== undefined) f.delayMs = Number(body.delayMs);
        if (body.count !== undefined) f.count = Number(body.count);
        api.setFault(f);
        return json(200, { fault: f });
      }
      if (resource === 'webhook_url' && method === 'POST') {
        api.setWebhookUrl(typeof body.url === 'string' && body.url ? body.url : undefined);
        return json(200, { url: webhookUrl ?? null });
      }
      if (resource === 'calls' && method === 'GET') return json(200, api.calls());
      if (resource === 'events' && method === 'GET') return json(200, api.events());
      if (resource === 'deliveries' && method === 'GET') return json(200, api.deliveries());
      json(404, { error: { type: 'invalid_request_error', message: `Unknown stand-in control ${method} ${url.pathname}` } });
    } catch (err) {
      if (err instanceof ApiError) return json(err.status, { error: err.body });
      json(500, { error: { type: 'api_error', message: String(err) } });
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const handler = url.pathname.startsWith('/_stand-in/') ? handleControl : handleApi;
    handler(req, res, url).catch((err: unknown) => {
      log('stripe stand-in: unexpected error', { error: String(err) });
      if (!res.headersSent && !res.destroyed) send(res, 500, errorJson({ type: 'api_error', message: 'An unknown error occurred.' }));
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log('stripe stand-in: listening', { url: baseUrl, webhookUrl });

  const api: StripeStandIn = {
    url: baseUrl,
    port: address.port,
    setWebhookUrl(url) {
      webhookUrl = url;
      log('stripe stand-in: webhook url set', { url });
    },
    async succeed(piId, o = {}) {
      const pi = getIntent(piId);
      const event = markSucceeded(pi, o.force ?? false);
      if (o.deliver !== false) await emit(event);
      return clone(event);
    },
    async fail(piId, message = 'Your card was declined.', o = {}) {
      const pi = getIntent(piId);
      const event = markFailed(pi, message, o.declineCode ?? 'generic_decline');
      if (o.deliver !== false) await emit(event);
      return clone(event);
    },
    setFault(f) {
      fault = f.mode === 'none' ? { mode: 'none' } : { ...f };
      faultRemaining = f.mode === 'none' ? undefined : f.count;
      log('stripe stand-in: fault set', { ...f });
    },
    calls: () => callLog.map((c) => ({ ...c, params: clone(c.params) })),
    clearCalls() {
      callLog.length = 0;
    },
    paymentIntent: (id) => {
      const pi = intents.get(id);
      return pi ? clone(pi) : undefined;
    },
    paymentIntents: () => [...intents.values()].map(clone),
    refunds: () => [...refunds.values()].map(clone),
    charge: (id) => {
      const ch = charges.get(id);
      return ch ? clone(ch) : undefined;
    },
    events: () => events.map(clone),
    deliveries: () => deliveryLog.map((d) => ({ ...d })),
    deliver: (event, o) => track(deliver(event, o)),
    buildEvent: (type, object, previousAttributes) => buildEvent(type, object, previousAttributes),
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([...inFlight]);
      log('stripe stand-in: stopped');
    },
  };
  return api;
}

// `npx tsx scripts/stand-ins/stripe-stand-in.ts` runs one on its own (PORT, STRIPE_WEBHOOK_SECRET, WEBHOOK_URL).
if (import.meta.url === `file://${process.argv[1]}`) {
  const standIn = await startStripeStandIn({
    port: Number(process.env.PORT ?? 12111),
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_stand_in',
    ...(process.env.WEBHOOK_URL ? { webhookUrl: process.env.WEBHOOK_URL } : {}),
    log: (msg, extra) => console.log(msg, extra ? JSON.stringify(extra) : ''),
  });
  console.log(`Stripe stand-in on ${standIn.url}`);
  const shutdown = (): void => void standIn.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
