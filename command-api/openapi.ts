/**
 * OpenAPI 3.1 description of the command API; kept beside the routes it describes.
 *
 * The error examples are built by the same functions that build the real responses (problems.ts,
 * shared/errors.ts), so their status, title and detail cannot drift from what the code answers.
 */
import { healthLiveSchema, healthReadySchema, problemSchema, PROFESSIONAL_ID_PATTERN, UUID_PATTERN } from '../shared/api-shapes.ts';
import { SchemaRegistry } from '../shared/http/openapi.ts';
import { bookingSchema, cancelBookingBody, createBookingBody, rescheduleBookingBody, webhookAckSchema } from './bookings/booking.schemas.ts';
import {
  availabilityBody,
  availabilitySchema,
  createProfessionalBody,
  patchProfessionalBody,
  professionalSchema,
} from './professionals/professional.schemas.ts';
import { fail, problem, problemJson } from '../shared/errors.ts';
import { failureProblem } from './problems.ts';
import { WEBHOOK_EVENT_TYPES } from './webhook-deliveries/event-types.ts';
import { createEndpointBody, updateEndpointBody } from './webhook-endpoints/webhook-endpoints.schemas.ts';

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation = Json & { responses: Record<string, Json> };

export interface OpenApiDocument {
  openapi: string;
  info: Json;
  servers: Json[];
  tags: Json[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  /** Outgoing webhooks (OpenAPI 3.1): what this API sends to integrators' endpoints. */
  webhooks: Record<string, { post: Operation }>;
  components: Json;
}

const ref = (kind: 'schemas' | 'parameters' | 'responses' | 'headers', name: string) => ({ $ref: `#/components/${kind}/${name}` });

// ---------------------------------------------------------------------------------------------
// Error codes and their example bodies

/**
 * Codes answered outside the use-case table of problems.ts (auth, rate limit, body parser, web
 * hook, health), with the detail the code sends.
 */
const OTHER_PROBLEMS: Record<string, { status: number; detail: string }> = {
  unauthorized: { status: 401, detail: 'A bearer token is required.' },
  rate_limited: { status: 429, detail: 'Too many requests; the limit is 600 per minute.' },
  invalid_json: { status: 400, detail: 'The body is not valid JSON.' },
  payload_too_large: { status: 413, detail: 'The body exceeds 100 kB.' },
  unsupported_media_type: { status: 415, detail: 'The body must be JSON (Content-Type: application/json).' },
  invalid_body: { status: 400, detail: 'The body does not decode with its Content-Encoding.' },
  internal_error: { status: 500, detail: 'Something went wrong on our side; it has been logged.' },
  invalid_signature: { status: 400, detail: 'The Stripe-Signature header is missing, wrong or older than 300 seconds.' },
  invalid_payload: { status: 400, detail: 'The body is not a JSON Stripe event.' },
  dependency_unavailable: { status: 503, detail: 'Not ready: postgres unavailable.' },
  service_unavailable: { status: 503, detail: 'A service this request needs is temporarily unavailable; try again shortly.' },
};

/** Details for use-case codes whose detail is given at the call site rather than in problems.ts. */
const CALL_SITE_DETAIL: Record<string, string> = {
  professional_exists: 'A professional with id "ama" already exists.',
  availability_overlap: 'This window overlaps another availability window of this professional.',
  availability_has_bookings: 'Bookings are held or confirmed inside this window; cancel them first.',
  booking_not_cancellable: 'This booking’s hold has expired; there is nothing to cancel.',
  booking_not_reschedulable: 'A booking that has started can no longer be rescheduled.',
};

const VALIDATION_EXAMPLE = problemJson(
  problem(400, 'validation_error', 'duration_minutes must be a multiple of 5', [
    { field: 'duration_minutes', message: 'duration_minutes must be a multiple of 5' },
  ]),
);

/** A code, or a code with the detail one route sends for it. */
type CodeSpec = string | [code: string, detail: string];

function exampleBody(spec: CodeSpec): { code: string; status: number; body: object } {
  const [code, detail] = typeof spec === 'string' ? [spec, undefined] : spec;
  if (code === 'validation_error' && !detail) return { code, status: 400, body: VALIDATION_EXAMPLE };
  const other = OTHER_PROBLEMS[code];
  if (other) return { code, status: other.status, body: problemJson(problem(other.status, code, detail ?? other.detail)) };
  const p = failureProblem(fail(code, detail ?? CALL_SITE_DETAIL[code]));
  if (p.status === 500) throw new Error(`openapi: unknown problem code ${code}`);
  return { code, status: p.status, body: problemJson(p) };
}

const HEADER_FOR_STATUS: Record<number, Record<string, Json>> = {
  401: { 'WWW-Authenticate': ref('headers', 'WWW-Authenticate') },
  429: {
    'Retry-After': ref('headers', 'Retry-After'),
    RateLimit: ref('headers', 'RateLimit'),
    'RateLimit-Policy': ref('headers', 'RateLimit-Policy'),
  },
  503: { 'Retry-After': ref('headers', 'Retry-After') },
};

const STATUS_SUMMARY: Record<number, string> = {
  400: 'Bad request',
  401: 'Missing, malformed, invalid or expired bearer token',
  403: 'Authenticated, but not allowed',
  404: 'Not found (or not visible to the caller)',
  409: 'Conflict',
  413: 'Body larger than 100 kB',
  415: 'Body not declared JSON, or an unsupported charset or Content-Encoding',
  422: 'Well-formed, but not acceptable',
  429: 'Rate limit exceeded; retry after `Retry-After` seconds',
  500: 'Unexpected failure (logged; no internals in the body)',
  502: 'The payment provider failed',
  503: 'PostgreSQL is down or restarting (`service_unavailable`, retry after `Retry-After` seconds), or not ready',
};

/**
 * Problem responses for the given codes, grouped by status: one response per status whose
 * description lists its codes and which has one example per code.
 */
function problemResponses(codes: CodeSpec[], opts: { headers?: Record<string, Json>; headersOn?: number[] } = {}): Record<string, Json> {
  const byStatus = new Map<number, Array<{ code: string; body: object }>>();
  for (const spec of codes) {
    const { code, status, body } = exampleBody(spec);
    byStatus.set(status, [...(byStatus.get(status) ?? []), { code, body }]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `${STATUS_SUMMARY[status] ?? 'Error'}. \`code\`: ${list.map((e) => `\`${e.code}\``).join(', ')}.`,
      headers: { ...commonHeaders(), ...HEADER_FOR_STATUS[status], ...(opts.headersOn?.includes(status) ? opts.headers : {}) },
      content: {
        'application/problem+json': {
          schema: S.Problem,
          examples: Object.fromEntries(list.map((e) => [e.code, { value: e.body }])),
        },
      },
    };
  }
  return out;
}

function commonHeaders(): Record<string, Json> {
  return { 'X-Request-Id': ref('headers', 'X-Request-Id') };
}

function rateLimitHeaders(): Record<string, Json> {
  return { RateLimit: ref('headers', 'RateLimit'), 'RateLimit-Policy': ref('headers', 'RateLimit-Policy') };
}

function jsonResponse(description: string, schema: Json, opts: { headers?: Record<string, Json>; example?: unknown } = {}): Json {
  return {
    description,
    headers: { ...commonHeaders(), ...opts.headers },
    content: { 'application/json': { schema, ...(opts.example === undefined ? {} : { example: opts.example }) } },
  };
}

function jsonBody(schema: Json, opts: { required?: boolean; example?: unknown; description?: string } = {}): Json {
  return {
    required: opts.required ?? true,
    ...(opts.description ? { description: opts.description } : {}),
    content: { 'application/json': { schema, ...(opts.example === undefined ? {} : { example: opts.example }) } },
  };
}

/** Codes every rate-limited route behind a bearer token can answer. */
const AUTHED = ['unauthorized', 'rate_limited', 'internal_error', 'service_unavailable'];
const MANAGE_AVAILABILITY: CodeSpec = ['forbidden', 'Only an admin or this professional can change its availability.'];
const MANAGE_SCHEDULE: CodeSpec = ['forbidden', 'Only an admin or this professional can change its schedule.'];
/** Codes of the JSON body parser (limit 100 kB). */
const BODY = ['invalid_json', 'invalid_body', 'payload_too_large', 'unsupported_media_type'];
/** Putting a booking at a time (create, reschedule): the slot, the schedule's rules and the idempotency key. */
const PLACEMENT = [
  'slot_taken',
  'idempotency_key_in_use',
  'outside_availability',
  'start_in_past',
  'inside_minimum_notice',
  'beyond_booking_horizon',
  'off_slot_grid',
  'idempotency_key_reused',
];

// ---------------------------------------------------------------------------------------------
// Schemas

const BOOKING_EXAMPLE = {
  id: '3f0e7c1a-6a4b-4c1e-9a51-2f1b7d9c0e11',
  professional_id: 'pro1',
  client_id: 'alice',
  start_time: '2030-01-01T10:00:00.000Z',
  end_time: '2030-01-01T10:30:00.000Z',
  duration_minutes: 30,
  status: 'pending',
  price: { amount: 4500, currency: 'GHS' },
  hold_expires_at: '2029-12-20T09:15:00.000Z',
  payment: { provider: 'stripe', payment_intent_id: 'pi_3Nxyz', client_secret: 'pi_3Nxyz_secret_abc' },
  created_at: '2029-12-20T09:00:00.000Z',
  updated_at: '2029-12-20T09:00:00.000Z',
};

const PROFESSIONAL_EXAMPLE = {
  id: 'ama',
  name: 'Ama Mensah',
  category: 'plumber',
  rate_per_minute: 150,
  currency: 'GHS',
  lat: 5.6037,
  long: -0.187,
  travel_modes: ['car', 'walking'],
  time_zone: 'Africa/Accra',
  active: true,
  cancellation_policy: [{ hours_before: 24, refund_percent: 100 }],
  created_at: '2029-12-01T08:00:00.000Z',
  updated_at: '2029-12-01T08:00:00.000Z',
};

/**
 * Request and response schemas, generated from the joi schemas the routes validate with and the
 * response schemas the tests check real answers against. A new route registers its own the same way.
 */
const schemas = new SchemaRegistry();
const UUID_SCHEMA = { type: 'string', pattern: UUID_PATTERN.source };
const instant = (description: string): Json => ({ type: 'string', format: 'date-time', description });
const S = {
  Problem: schemas.add('Problem', problemSchema, 'output'),
  Booking: schemas.add('Booking', bookingSchema, 'output', BOOKING_EXAMPLE),
  BookingCreate: schemas.add('BookingCreate', createBookingBody, 'input', {
    professional_id: 'pro1',
    start_time: '2030-01-01T10:00:00Z',
    duration_minutes: 30,
  }),
  BookingCancel: schemas.add('BookingCancel', cancelBookingBody, 'input'),
  BookingReschedule: schemas.add('BookingReschedule', rescheduleBookingBody, 'input', { start_time: '2030-01-01T14:00:00Z' }),
  BookingPage: schemas.addRaw('BookingPage', {
    type: 'object',
    required: ['data', 'page'],
    properties: {
      data: { type: 'array', items: { $ref: '#/components/schemas/Booking' } },
      page: {
        type: 'object',
        required: ['limit', 'next_cursor'],
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 100 },
          next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` (with the same filters) for the next page; null on the last page.' },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  }),
  Professional: schemas.add('Professional', professionalSchema, 'output', PROFESSIONAL_EXAMPLE),
  ProfessionalCreate: schemas.add('ProfessionalCreate', createProfessionalBody, 'input', {
    id: 'ama',
    name: 'Ama Mensah',
    category: 'Plumber',
    rate_per_minute: 150,
    currency: 'ghs',
    lat: 5.6037,
    long: -0.187,
    travel_modes: ['car', 'walking'],
    time_zone: 'Africa/Accra',
  }),
  ProfessionalPatch: schemas.add('ProfessionalPatch', patchProfessionalBody, 'input', {
    rate_per_minute: 175,
    cancellation_policy: [
      { hours_before: 48, refund_percent: 100 },
      { hours_before: 2, refund_percent: 50 },
    ],
  }),
  Availability: schemas.add('Availability', availabilitySchema, 'output'),
  AvailabilityCreate: schemas.add('AvailabilityCreate', availabilityBody, 'input', {
    start_time: '2030-01-01T08:00:00+00:00',
    end_time: '2030-01-01T17:00:00+00:00',
  }),
  WebhookAck: schemas.add('WebhookAck', webhookAckSchema, 'output'),
  HealthLive: schemas.add('HealthLive', healthLiveSchema, 'output'),
  HealthReady: schemas.add('HealthReady', healthReadySchema, 'output'),
  // Stripe's event, not ours: described by hand.
  StripeEvent: schemas.addRaw('StripeEvent', {
    type: 'object',
    description:
      'A Stripe event as Stripe sends it. Handled types: `payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.canceled`, `charge.refunded`; others are stored and acknowledged.',
    required: ['id', 'type'],
    properties: {
      id: { type: 'string', maxLength: 255, examples: ['evt_1Nxyz'] },
      type: { type: 'string', maxLength: 255, examples: ['payment_intent.succeeded'] },
      data: { type: 'object' },
    },
  }),
  WebhookEventType: schemas.addRaw('WebhookEventType', { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }),
  WebhookEndpoint: schemas.addRaw('WebhookEndpoint', {
    type: 'object',
    required: ['id', 'url', 'events', 'description', 'status', 'professional_id', 'created_at', 'updated_at'],
    properties: {
      id: UUID_SCHEMA,
      url: { type: 'string', format: 'uri', examples: ['https://crm.example.com/hooks/bookings'] },
      events: { type: 'array', items: ref('schemas', 'WebhookEventType'), minItems: 1, uniqueItems: true },
      description: { type: ['string', 'null'] },
      status: { type: 'string', enum: ['enabled', 'disabled'] },
      disabled_reason: { type: ['string', 'null'], description: 'Present while disabled: by whom, or the failures that disabled it automatically.' },
      disabled_at: { type: ['string', 'null'], format: 'date-time', description: 'Present while disabled.' },
      professional_id: {
        type: ['string', 'null'],
        description: '`null` for an admin’s endpoint (every event); else only this professional’s bookings and profile.',
      },
      secret: {
        type: 'string',
        pattern: '^whsec_',
        description: 'The Standard Webhooks signing secret (`whsec_` + base64). Only in the answers of creation and rotation.',
      },
      previous_secret_expires_at: instant('After a rotation: until then, deliveries carry a signature made with the previous secret too.'),
      created_at: instant('Creation time.'),
      updated_at: instant('Last change.'),
    },
    additionalProperties: false,
  }),
  Day: schemas.addRaw('Day', { type: 'string', enum: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] }),
  LocalTime: schemas.addRaw('LocalTime', {
    type: 'string',
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$',
    description: 'Local wall-clock time `HH:MM` in the professional’s time zone, 00:00–24:00 (24:00 = the next local midnight).',
    examples: ['09:00'],
  }),
  LocalInterval: schemas.addRaw('LocalInterval', {
    type: 'object',
    required: ['start', 'end'],
    properties: { start: ref('schemas', 'LocalTime'), end: { ...ref('schemas', 'LocalTime'), description: 'After `start`.' } },
    additionalProperties: false,
  }),
  WeeklyInterval: schemas.addRaw('WeeklyInterval', {
    type: 'object',
    required: ['day', 'start', 'end'],
    properties: { day: ref('schemas', 'Day'), start: ref('schemas', 'LocalTime'), end: ref('schemas', 'LocalTime') },
    additionalProperties: false,
  }),
  ScheduleOverride: schemas.addRaw('ScheduleOverride', {
    type: 'object',
    required: ['date', 'intervals'],
    properties: {
      date: { type: 'string', format: 'date', description: 'Local date in the professional’s time zone.', examples: ['2030-12-24'] },
      intervals: { type: 'array', items: ref('schemas', 'LocalInterval'), description: 'Replace that date’s weekly hours; `[]` = not available.' },
    },
    additionalProperties: false,
  }),
  ScheduleReplace: schemas.addRaw('ScheduleReplace', {
    type: 'object',
    required: ['weekly'],
    properties: {
      weekly: {
        type: 'array',
        items: ref('schemas', 'WeeklyInterval'),
        maxItems: 336,
        description: 'Intervals of one day may touch but never overlap.',
      },
      buffer_before_minutes: { type: 'integer', minimum: 0, maximum: 240, default: 0 },
      buffer_after_minutes: { type: 'integer', minimum: 0, maximum: 240, default: 0 },
      minimum_notice_minutes: { type: 'integer', minimum: 0, maximum: 43200, default: 0 },
      booking_horizon_days: { type: 'integer', minimum: 1, maximum: 365, default: 365 },
      slot_step_minutes: { type: 'integer', minimum: 5, maximum: 240, default: 5, description: 'Starts fall on local wall-clock multiples of the step.' },
      time_zone: { type: 'string', description: 'Optional, read-only: when sent (a GET answer sent back) it must be the professional’s own time zone.' },
      overrides: { type: 'array', description: 'Optional and ignored: overrides are managed per date.' },
    },
    additionalProperties: false,
  }),
  Schedule: schemas.addRaw('Schedule', {
    type: 'object',
    required: [
      'time_zone',
      'weekly',
      'buffer_before_minutes',
      'buffer_after_minutes',
      'minimum_notice_minutes',
      'booking_horizon_days',
      'slot_step_minutes',
      'overrides',
    ],
    properties: {
      time_zone: {
        type: 'string',
        description: 'The professional’s IANA time zone (read-only here; change it with PATCH /professionals/{id}).',
        examples: ['Africa/Accra'],
      },
      weekly: { type: 'array', items: ref('schemas', 'WeeklyInterval') },
      buffer_before_minutes: { type: 'integer' },
      buffer_after_minutes: { type: 'integer' },
      minimum_notice_minutes: { type: 'integer' },
      booking_horizon_days: { type: 'integer' },
      slot_step_minutes: { type: 'integer' },
      overrides: { type: 'array', items: ref('schemas', 'ScheduleOverride'), description: 'Overrides of today (local) and later.' },
    },
    additionalProperties: false,
  }),
  WebhookEndpointCreate: schemas.add('WebhookEndpointCreate', createEndpointBody, 'input', {
    url: 'https://crm.example.com/hooks/bookings',
    events: ['booking.confirmed', 'booking.cancelled'],
    description: 'CRM',
  }),
  WebhookEndpointPatch: schemas.add('WebhookEndpointPatch', updateEndpointBody, 'input', { status: 'enabled' }),
  WebhookEndpointList: schemas.addRaw('WebhookEndpointList', {
    type: 'object',
    required: ['data'],
    properties: { data: { type: 'array', items: ref('schemas', 'WebhookEndpoint') } },
    additionalProperties: false,
  }),
  WebhookEvent: schemas.addRaw('WebhookEvent', {
    type: 'object',
    description:
      'The body of every delivery. `data` is the booking as `GET /bookings/{id}` shows it, or the professional as `PATCH /professionals/{id}` answers it, at the time of the change.',
    required: ['type', 'timestamp', 'data'],
    properties: {
      type: ref('schemas', 'WebhookEventType'),
      timestamp: instant('When the change was committed.'),
      data: { oneOf: [ref('schemas', 'Booking'), ref('schemas', 'Professional')] },
    },
    additionalProperties: false,
  }),
  WebhookDelivery: schemas.addRaw('WebhookDelivery', {
    type: 'object',
    required: [
      'id',
      'endpoint_id',
      'event',
      'status',
      'attempt_count',
      'next_attempt_at',
      'last_attempt_at',
      'last_response_status',
      'last_error',
      'completed_at',
      'created_at',
      'attempts',
      'payload',
    ],
    properties: {
      id: { ...UUID_SCHEMA, description: 'Also the `webhook-id` header, the same on every attempt.' },
      endpoint_id: UUID_SCHEMA,
      event: {
        type: 'object',
        required: ['id', 'type', 'timestamp'],
        properties: { id: UUID_SCHEMA, type: ref('schemas', 'WebhookEventType'), timestamp: instant('When the change was committed.') },
        additionalProperties: false,
      },
      status: { type: 'string', enum: ['pending', 'succeeded', 'failed'], description: '`failed` once the retry schedule is spent.' },
      attempt_count: { type: 'integer', minimum: 0 },
      next_attempt_at: { type: ['string', 'null'], format: 'date-time', description: 'While pending.' },
      last_attempt_at: { type: ['string', 'null'], format: 'date-time' },
      last_response_status: { type: ['integer', 'null'] },
      last_error: { type: ['string', 'null'] },
      completed_at: { type: ['string', 'null'], format: 'date-time' },
      created_at: instant('When the event was recorded.'),
      attempts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['attempted_at', 'response_status', 'duration_ms', 'result', 'error'],
          properties: {
            attempted_at: instant('Start of the attempt.'),
            response_status: { type: ['integer', 'null'], description: '`null` when no answer came (timeout, refused connection).' },
            duration_ms: { type: 'integer', minimum: 0 },
            result: { type: 'string', enum: ['success', 'http_error', 'redirect', 'timeout', 'body_too_large', 'refused_address', 'connection_error'] },
            error: { type: ['string', 'null'] },
          },
          additionalProperties: false,
        },
      },
      payload: ref('schemas', 'WebhookEvent'),
    },
    additionalProperties: false,
  }),
  WebhookDeliveryPage: schemas.addRaw('WebhookDeliveryPage', {
    type: 'object',
    required: ['data', 'page'],
    properties: {
      data: { type: 'array', items: ref('schemas', 'WebhookDelivery') },
      page: {
        type: 'object',
        required: ['limit', 'next_cursor'],
        properties: { limit: { type: 'integer' }, next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next (older) page.' } },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  }),
};

// ---------------------------------------------------------------------------------------------
// Operations

const bearer = [{ bearerAuth: [] }];
const idParam = (name: string, schema: Json, description: string): Json => ({ name, in: 'path', required: true, schema, description });
const bookingId = idParam('id', UUID_SCHEMA, 'Booking id. An id that is not a UUID answers 404 `booking_not_found`.');
const professionalId = idParam('id', { type: 'string', pattern: PROFESSIONAL_ID_PATTERN.source }, 'Professional id (slug).');
const endpointId = idParam('id', UUID_SCHEMA, 'Webhook endpoint id. An id that is not a UUID answers 404 `webhook_endpoint_not_found`.');
const MANAGE_WEBHOOKS: CodeSpec = ['forbidden', 'This action needs one of the roles: admin, professional.'];

const WEBHOOK_EVENT_DESCRIPTIONS: Record<(typeof WEBHOOK_EVENT_TYPES)[number], string> = {
  'booking.created': 'A booking was made: its slot is held (`pending`) until `hold_expires_at`.',
  'booking.confirmed': 'The payment succeeded: the booking is `confirmed`.',
  'booking.rescheduled': 'The booking moved to another time (same id, status and price).',
  'booking.cancelled': 'The booking was cancelled; `refund` shows what is paid back.',
  'booking.expired': 'The hold lapsed, or the payment was cancelled or could not start: the slot is free again.',
  'booking.refunded': 'Money was paid back (a cancellation, a late payment refunded automatically, or a refund made in Stripe).',
  'professional.updated': 'The professional’s profile changed.',
};

/** What this API sends to subscribed endpoints, one entry per event type. */
const outgoingWebhooks: OpenApiDocument['webhooks'] = Object.fromEntries(
  WEBHOOK_EVENT_TYPES.map((type) => [
    type,
    {
      post: {
        operationId: `webhook_${type.replace('.', '_')}`,
        summary: type,
        description: [
          WEBHOOK_EVENT_DESCRIPTIONS[type],
          'Sent with the Standard Webhooks headers; answer 2xx within 10 s. Otherwise it is retried after WEBHOOK_RETRY_SCHEDULE (default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then marked `failed`. Events of one booking arrive in order; delivery is at least once, so deduplicate on `webhook-id`.',
        ].join('\n\n'),
        parameters: [
          {
            name: 'webhook-id',
            in: 'header',
            required: true,
            schema: { type: 'string' },
            description: 'The same on every attempt of this event to this endpoint.',
          },
          { name: 'webhook-timestamp', in: 'header', required: true, schema: { type: 'string' }, description: 'Unix seconds of this attempt.' },
          {
            name: 'webhook-signature',
            in: 'header',
            required: true,
            schema: { type: 'string' },
            description: 'Space-separated `v1,<base64 HMAC-SHA256>`; two during the 24 h after a rotation.',
          },
        ],
        requestBody: jsonBody(ref('schemas', 'WebhookEvent')),
        responses: { '2XX': { description: 'Received.' } },
      },
    },
  ]),
);

const paths: OpenApiDocument['paths'] = {
  '/bookings': {
    post: {
      tags: ['bookings'],
      operationId: 'createBooking',
      summary: 'Book a slot and start the payment',
      description: [
        'Role `client`. Holds the slot as a `pending` booking until `hold_expires_at` (HOLD_MINUTES, 15 by default) and creates a Stripe PaymentIntent; confirm the payment with `payment.client_secret`. The booking becomes `confirmed` when Stripe reports the payment (webhook).',
        '',
        'Price = `rate_per_minute × duration_minutes`. The booking rules of the professional’s schedule apply in this order: `start_time` at least `minimum_notice_minutes` ahead (422 `inside_minimum_notice`), less than `booking_horizon_days` ahead (422 `beyond_booking_horizon`), its local wall-clock time a multiple of `slot_step_minutes` (422 `off_slot_grid`), `[start_time, start_time + duration)` inside available time: weekly hours (or that date’s override) and one-off windows (422 `outside_availability`), and its blocked range `[start − buffer_before, end + buffer_after)` overlapping no live booking’s blocked range (409 `slot_taken`, enforced by the database as well). `GET /search/professionals/{id}/slots` lists the starts that pass.',
        '',
        '**Idempotency** (per client and key, for 24 h): the header is checked before the body. A finished request with the same key and payload is replayed byte for byte (any status below 500) with `Idempotent-Replayed: true`; the same key with another payload answers 422 `idempotency_key_reused`; while the first request runs, 409 `idempotency_key_in_use`. A request that ended in 5xx releases its key so the retry runs again.',
      ].join('\n'),
      security: bearer,
      parameters: [ref('parameters', 'IdempotencyKey'), ref('parameters', 'XRequestId')],
      requestBody: jsonBody(S.BookingCreate),
      responses: {
        '201': {
          description: 'Booking held (`pending`), PaymentIntent created. Also the status of a replay.',
          headers: { ...commonHeaders(), ...rateLimitHeaders(), 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') },
          content: { 'application/json': { schema: S.Booking, example: BOOKING_EXAMPLE } },
        },
        ...problemResponses(
          [
            'validation_error',
            'idempotency_key_missing',
            ...BODY,
            ...AUTHED,
            ['forbidden', 'This action needs one of the roles: client.'],
            'professional_not_found',
            ...PLACEMENT,
            'payment_provider_error',
          ],
          // Only the use case's own answers are stored and replayed (the header and body checks come first).
          { headers: { 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') }, headersOn: [404, 409, 422] },
        ),
      },
    },
    get: {
      tags: ['bookings'],
      operationId: 'listBookings',
      summary: 'List bookings',
      description: [
        'A `client` sees its own bookings, a `professional` those made with it, an `admin` everyone’s. `professional_id` and `client_id` narrow that (they never widen it); `status` keeps one status; `from`/`to` keep bookings whose `start_time` lies in `[from, to)`.',
        'Ordered by `start_time`, then `id`. The cursor is the position after the last booking of the page: bookings made or cancelled meanwhile never make a page repeat or skip one that was already there (one that starts before the cursor shows on the next listing from the start). A cursor works only with the filters it was issued for; anything else answers 400 `validation_error`.',
      ].join('\n\n'),
      security: bearer,
      parameters: [
        { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['pending', 'confirmed', 'cancelled', 'expired'] } },
        {
          name: 'from',
          in: 'query',
          required: false,
          schema: { type: 'string', format: 'date-time' },
          description: 'Bookings starting at or after this instant (ISO 8601 with offset).',
        },
        {
          name: 'to',
          in: 'query',
          required: false,
          schema: { type: 'string', format: 'date-time' },
          description: 'Bookings starting before this instant; after `from`.',
        },
        { name: 'professional_id', in: 'query', required: false, schema: { type: 'string', pattern: PROFESSIONAL_ID_PATTERN.source } },
        { name: 'client_id', in: 'query', required: false, schema: { type: 'string', maxLength: 255 } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
          description: '`page.next_cursor` of the previous page.',
        },
        ref('parameters', 'XRequestId'),
      ],
      responses: {
        '200': jsonResponse('One page of bookings.', S.BookingPage, { headers: rateLimitHeaders() }),
        ...problemResponses([['validation_error', 'cursor must be a next_cursor returned by this endpoint for the same filters'], ...AUTHED]),
      },
    },
  },
  '/bookings/{id}': {
    get: {
      tags: ['bookings'],
      operationId: 'getBooking',
      summary: 'Read a booking',
      description: 'Visible to its client, its professional and admins; to anyone else it does not exist (404).',
      security: bearer,
      parameters: [bookingId, ref('parameters', 'XRequestId')],
      responses: {
        '200': jsonResponse('The booking.', S.Booking, { headers: rateLimitHeaders() }),
        ...problemResponses([...AUTHED, 'booking_not_found']),
      },
    },
  },
  '/bookings/{id}/cancel': {
    post: {
      tags: ['bookings'],
      operationId: 'cancelBooking',
      summary: 'Cancel a booking',
      description: [
        'Its `client`, its `professional` or an `admin`; anyone else gets 404. A `pending` booking is cancelled and its PaymentIntent cancelled. A `confirmed` booking is refunded, then cancelled: by its professional, always in full; by its client or an admin, `floor(price × p / 100)` where p is the percent of the professional’s `cancellation_policy` tier with the largest `hours_before` not above the hours left before the start (none when no tier applies; default: 100 % at least 24 hours ahead). The refund is a Stripe refund of that amount with an idempotency key per booking, decided and recorded before Stripe is asked: a retried cancel refunds the same amount, never twice. A Stripe failure (502) leaves the booking confirmed.',
        'The slot is released; `cancelled_by` says who cancelled. A confirmed booking’s client gets one cancellation email (iCalendar METHOD:CANCEL, same UID). Cancelling a cancelled booking answers it again (200); an `expired` or already started booking answers 409 `booking_not_cancellable`.',
      ].join('\n\n'),
      security: bearer,
      parameters: [bookingId, ref('parameters', 'XRequestId')],
      requestBody: jsonBody(S.BookingCancel, { required: false, example: { reason: 'Plans changed' } }),
      responses: {
        '200': jsonResponse('The cancelled booking, with `refund` when it had been confirmed.', S.Booking, { headers: rateLimitHeaders() }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, 'booking_not_found', 'booking_not_cancellable', 'payment_provider_error']),
      },
    },
  },
  '/bookings/{id}/reschedule': {
    post: {
      tags: ['bookings'],
      operationId: 'rescheduleBooking',
      summary: 'Move a booking to another time',
      description: [
        'Its `client` or an `admin` (its professional gets 403, anyone else 404). Only a `pending` booking whose hold lasts, or a `confirmed` one, that has not started (else 409 `booking_not_reschedulable`). The booking keeps its id, status, duration, price and `hold_expires_at`; `rescheduled_at` is set.',
        'One transaction under the professional’s lock frees the old time and holds the new one under every booking rule of the schedule, with the same codes as `POST /bookings` (`start_in_past`, `inside_minimum_notice`, `beyond_booking_horizon`, `off_slot_grid`, `outside_availability`, `slot_taken`); on any failure the booking is unchanged. The old time is free for others as soon as the answer is sent. A confirmed booking’s client gets one “rescheduled” email whose invitation keeps the UID and raises SEQUENCE.',
        '**Idempotency** as for `POST /bookings`: required header, replay with `Idempotent-Replayed: true`, 409 `idempotency_key_in_use`, 422 `idempotency_key_reused`.',
      ].join('\n\n'),
      security: bearer,
      parameters: [bookingId, ref('parameters', 'IdempotencyKey'), ref('parameters', 'XRequestId')],
      requestBody: jsonBody(S.BookingReschedule),
      responses: {
        '200': {
          description: 'The booking at its new time. Also the status of a replay.',
          headers: { ...commonHeaders(), ...rateLimitHeaders(), 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') },
          content: { 'application/json': { schema: S.Booking } },
        },
        ...problemResponses(
          [
            'validation_error',
            'idempotency_key_missing',
            ...BODY,
            ...AUTHED,
            ['forbidden', 'Only the booking’s client or an admin can reschedule it.'],
            'booking_not_found',
            'professional_not_found',
            'booking_not_reschedulable',
            ...PLACEMENT,
          ],
          { headers: { 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') }, headersOn: [404, 409, 422] },
        ),
      },
    },
  },
  '/professionals': {
    post: {
      tags: ['professionals'],
      operationId: 'createProfessional',
      summary: 'Create a professional',
      description: 'Role `admin`. The professional is active and is indexed for search shortly after.',
      security: bearer,
      parameters: [ref('parameters', 'XRequestId')],
      requestBody: jsonBody(S.ProfessionalCreate),
      responses: {
        '201': jsonResponse('Created.', S.Professional, {
          headers: {
            ...rateLimitHeaders(),
            Location: { description: '`/professionals/{id}`', schema: { type: 'string' } },
          },
          example: PROFESSIONAL_EXAMPLE,
        }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, ['forbidden', 'This action needs one of the roles: admin.'], 'professional_exists']),
      },
    },
  },
  '/professionals/{id}': {
    patch: {
      tags: ['professionals'],
      operationId: 'updateProfessional',
      summary: 'Change a professional',
      description:
        'An `admin`, or the professional itself (token `professional_id`, or `sub` when absent). Search is updated shortly after. `cancellation_policy` (at most 10 tiers, distinct `hours_before`, `refund_percent` 0–100) replaces the refund tiers of clients’ cancellations; the answer and the `professional.updated` event show it.',
      security: bearer,
      parameters: [professionalId, ref('parameters', 'XRequestId')],
      requestBody: jsonBody(S.ProfessionalPatch),
      responses: {
        '200': jsonResponse('The changed professional.', S.Professional, { headers: rateLimitHeaders(), example: PROFESSIONAL_EXAMPLE }),
        ...problemResponses([
          'validation_error',
          ...BODY,
          ...AUTHED,
          ['forbidden', 'Only an admin or this professional can change it.'],
          'professional_not_found',
        ]),
      },
    },
  },
  '/professionals/{id}/availabilities': {
    post: {
      tags: ['professionals'],
      operationId: 'addAvailability',
      summary: 'Add an availability window',
      description: 'An `admin`, or the professional itself. Windows of one professional never overlap.',
      security: bearer,
      parameters: [professionalId, ref('parameters', 'XRequestId')],
      requestBody: jsonBody(S.AvailabilityCreate),
      responses: {
        '201': jsonResponse('Created.', S.Availability, { headers: rateLimitHeaders() }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, MANAGE_AVAILABILITY, 'professional_not_found', 'availability_overlap']),
      },
    },
  },
  '/professionals/{id}/availabilities/{availabilityId}': {
    delete: {
      tags: ['professionals'],
      operationId: 'removeAvailability',
      summary: 'Remove an availability window',
      description: 'An `admin`, or the professional itself. Refused while a `pending` or `confirmed` booking lies inside the window.',
      security: bearer,
      parameters: [
        professionalId,
        idParam('availabilityId', UUID_SCHEMA, 'Availability window id. An id that is not a UUID answers 404 `availability_not_found`.'),
        ref('parameters', 'XRequestId'),
      ],
      responses: {
        '204': { description: 'Removed.', headers: { ...commonHeaders(), ...rateLimitHeaders() } },
        ...problemResponses([...AUTHED, MANAGE_AVAILABILITY, 'availability_not_found', 'availability_has_bookings']),
      },
    },
  },
  '/webhook-endpoints': {
    post: {
      tags: ['webhook endpoints'],
      operationId: 'createWebhookEndpoint',
      summary: 'Subscribe an endpoint to events',
      description: [
        'Role `admin` (the endpoint receives every booking’s and professional’s events) or `professional` (only its own bookings and profile). Clients get 403.',
        'The answer carries the signing `secret`, shown only here and on rotation. Deliveries follow the Standard Webhooks specification: headers `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`; verify them with any official Standard Webhooks library. See `webhooks` in this document for the events.',
      ].join('\n\n'),
      security: bearer,
      parameters: [ref('parameters', 'XRequestId')],
      requestBody: jsonBody(ref('schemas', 'WebhookEndpointCreate')),
      responses: {
        '201': jsonResponse('Created, with its secret.', ref('schemas', 'WebhookEndpoint'), {
          headers: { ...rateLimitHeaders(), Location: { description: '`/webhook-endpoints/{id}`', schema: { type: 'string' } } },
        }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, MANAGE_WEBHOOKS, 'webhook_url_not_allowed']),
      },
    },
    get: {
      tags: ['webhook endpoints'],
      operationId: 'listWebhookEndpoints',
      summary: 'List endpoints',
      description: 'An admin sees every endpoint, a professional its own. Secrets are not shown.',
      security: bearer,
      parameters: [ref('parameters', 'XRequestId')],
      responses: {
        '200': jsonResponse('The endpoints, oldest first.', ref('schemas', 'WebhookEndpointList'), { headers: rateLimitHeaders() }),
        ...problemResponses([...AUTHED, MANAGE_WEBHOOKS]),
      },
    },
  },
  '/webhook-endpoints/{id}': {
    get: {
      tags: ['webhook endpoints'],
      operationId: 'getWebhookEndpoint',
      summary: 'Read an endpoint',
      security: bearer,
      parameters: [endpointId, ref('parameters', 'XRequestId')],
      responses: {
        '200': jsonResponse('The endpoint (without its secret).', ref('schemas', 'WebhookEndpoint'), { headers: rateLimitHeaders() }),
        ...problemResponses([...AUTHED, MANAGE_WEBHOOKS, 'webhook_endpoint_not_found']),
      },
    },
    patch: {
      tags: ['webhook endpoints'],
      operationId: 'updateWebhookEndpoint',
      summary: 'Change url, events, description or status',
      security: bearer,
      parameters: [endpointId, ref('parameters', 'XRequestId')],
      requestBody: jsonBody(ref('schemas', 'WebhookEndpointPatch')),
      responses: {
        '200': jsonResponse('The changed endpoint.', ref('schemas', 'WebhookEndpoint'), { headers: rateLimitHeaders() }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, MANAGE_WEBHOOKS, 'webhook_endpoint_not_found', 'webhook_url_not_allowed']),
      },
    },
    delete: {
      tags: ['webhook endpoints'],
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete an endpoint and its delivery log',
      security: bearer,
      parameters: [endpointId, ref('parameters', 'XRequestId')],
      responses: {
        '204': { description: 'Deleted.', headers: { ...commonHeaders(), ...rateLimitHeaders() } },
        ...problemResponses([...AUTHED, MANAGE_WEBHOOKS, 'webhook_endpoint_not_found']),
      },
    },
  },
  '/webhook-endpoints/{id}/rotate-secret': {
    post: {
      tags: ['webhook endpoints'],
      operationId: 'rotateWebhookSecret',
      summary: 'Rotate the signing secret',
      description:
        'Answers the new secret. For the next 24 hours every delivery carries two signatures (`v1,<new> v1,<old>`), so receivers can switch without losing events.',
      security: bearer,
      parameters: [endpointId, ref('parameters', 'XRequestId')],
      responses: {
        '200': jsonResponse('The endpoint with its new secret.', ref('schemas', 'WebhookEndpoint'), { headers: rateLimitHeaders() }),
        ...problemResponses([...AUTHED, MANAGE_WEBHOOKS, 'webhook_endpoint_not_found']),
      },
    },
  },
  '/webhook-endpoints/{id}/deliveries': {
    get: {
      tags: ['webhook endpoints'],
      operationId: 'listWebhookDeliveries',
      summary: 'Delivery log',
      description: 'Each event sent (or to send) to this endpoint, newest first, with every attempt (time, response status, duration, result).',
      security: bearer,
      parameters: [
        endpointId,
        { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['pending', 'succeeded', 'failed'] } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 200 }, description: '`page.next_cursor` of the previous page.' },
        ref('parameters', 'XRequestId'),
      ],
      responses: {
        '200': jsonResponse('One page of deliveries.', ref('schemas', 'WebhookDeliveryPage'), { headers: rateLimitHeaders() }),
        ...problemResponses(['validation_error', ...AUTHED, MANAGE_WEBHOOKS, 'webhook_endpoint_not_found']),
      },
    },
  },
  '/webhook-endpoints/{id}/deliveries/{deliveryId}/retry': {
    post: {
      tags: ['webhook endpoints'],
      operationId: 'retryWebhookDelivery',
      summary: 'Send a delivery again now',
      description:
        'Any delivery, whatever its status, is sent again at once with the same `webhook-id` (a pending one skips the rest of its wait, unless an earlier event of the same booking is still being retried: it stays behind that one). It goes before later pending events of the same booking; events already delivered are not sent again.',
      security: bearer,
      parameters: [endpointId, idParam('deliveryId', UUID_SCHEMA, 'Delivery id (the `webhook-id`).'), ref('parameters', 'XRequestId')],
      responses: {
        '202': jsonResponse('Queued: the delivery is pending and due now.', ref('schemas', 'WebhookDelivery'), { headers: rateLimitHeaders() }),
        ...problemResponses([
          ...AUTHED,
          MANAGE_WEBHOOKS,
          'webhook_endpoint_not_found',
          'webhook_delivery_not_found',
          ['webhook_endpoint_disabled', 'Enable the endpoint (PATCH status "enabled") before retrying its deliveries.'],
        ]),
      },
    },
  },
  '/professionals/{id}/schedule': {
    get: {
      tags: ['professionals'],
      operationId: 'getSchedule',
      summary: 'Read a professional’s schedule',
      description:
        'Public. Weekly hours in the professional’s time zone, the booking rules and the overrides of today and later. A professional who never set a schedule has no weekly hours, buffers 0, notice 0, horizon 365 days and step 5.',
      security: [],
      parameters: [professionalId, ref('parameters', 'XRequestId')],
      responses: {
        '200': jsonResponse('The schedule.', ref('schemas', 'Schedule'), { headers: rateLimitHeaders() }),
        ...problemResponses(['professional_not_found', 'rate_limited', 'internal_error']),
      },
    },
    put: {
      tags: ['professionals'],
      operationId: 'replaceSchedule',
      summary: 'Replace a professional’s schedule',
      description:
        'An `admin`, or the professional itself. Replaces weekly hours and rules (omitted rules take their defaults) in one transaction; overrides are kept. Bookings already made stay. Search is updated shortly after.',
      security: bearer,
      parameters: [professionalId, ref('parameters', 'XRequestId')],
      requestBody: jsonBody(ref('schemas', 'ScheduleReplace'), {
        example: {
          weekly: [
            { day: 'monday', start: '09:00', end: '12:30' },
            { day: 'monday', start: '13:30', end: '17:00' },
          ],
          buffer_before_minutes: 0,
          buffer_after_minutes: 15,
          minimum_notice_minutes: 120,
          booking_horizon_days: 90,
          slot_step_minutes: 30,
        },
      }),
      responses: {
        '200': jsonResponse('The schedule now in force.', ref('schemas', 'Schedule'), { headers: rateLimitHeaders() }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, MANAGE_SCHEDULE, 'professional_not_found']),
      },
    },
  },
  '/professionals/{id}/schedule/overrides/{date}': {
    put: {
      tags: ['professionals'],
      operationId: 'putScheduleOverride',
      summary: 'Replace one local date’s hours',
      description:
        'An `admin`, or the professional itself. The intervals replace that date’s weekly hours (`[]` = not available that day); one-off windows still add to them.',
      security: bearer,
      parameters: [professionalId, idParam('date', { type: 'string', format: 'date' }, 'A real local date `YYYY-MM-DD`.'), ref('parameters', 'XRequestId')],
      requestBody: jsonBody(
        {
          type: 'object',
          required: ['intervals'],
          properties: { intervals: { type: 'array', items: ref('schemas', 'LocalInterval'), maxItems: 48 } },
          additionalProperties: false,
        },
        { example: { intervals: [{ start: '10:00', end: '14:00' }] } },
      ),
      responses: {
        '200': jsonResponse('The override.', ref('schemas', 'ScheduleOverride'), { headers: rateLimitHeaders() }),
        ...problemResponses(['validation_error', ...BODY, ...AUTHED, MANAGE_SCHEDULE, 'professional_not_found']),
      },
    },
    delete: {
      tags: ['professionals'],
      operationId: 'deleteScheduleOverride',
      summary: 'Back to the weekly hours on that date',
      description: 'An `admin`, or the professional itself. 204 whether or not the date had an override.',
      security: bearer,
      parameters: [professionalId, idParam('date', { type: 'string', format: 'date' }, 'A real local date `YYYY-MM-DD`.'), ref('parameters', 'XRequestId')],
      responses: {
        '204': { description: 'The date follows the weekly hours.', headers: { ...commonHeaders(), ...rateLimitHeaders() } },
        ...problemResponses(['validation_error', ...AUTHED, MANAGE_SCHEDULE, 'professional_not_found']),
      },
    },
  },
  '/webhooks/stripe': {
    post: {
      tags: ['webhooks'],
      operationId: 'receiveStripeEvent',
      summary: 'Stripe webhook endpoint',
      description: [
        'Called by Stripe, not by clients: no bearer token and no rate limit. The body is read raw (any content type, at most 100 kB) and the `Stripe-Signature` header is verified over those exact bytes with the webhook secret (tolerance 300 s); a bad signature answers 400 and stores nothing.',
        'The event is stored and its processing queued in one transaction, and the endpoint answers at once. A duplicate delivery (same event id) answers 200 with `duplicate: true` and is not processed again. Processing runs in background workers with retries.',
      ].join('\n\n'),
      security: [],
      parameters: [
        {
          name: 'Stripe-Signature',
          in: 'header',
          required: true,
          schema: { type: 'string' },
          description: '`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` as Stripe sends it. Missing → 400 `invalid_signature`.',
          example: 't=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
        },
        ref('parameters', 'XRequestId'),
      ],
      requestBody: {
        required: true,
        description: 'The raw event bytes exactly as Stripe sent them.',
        content: { 'application/json': { schema: S.StripeEvent } },
      },
      responses: {
        '200': jsonResponse('Stored and queued, or a duplicate acknowledged.', S.WebhookAck, { example: { received: true, duplicate: false } }),
        ...problemResponses([
          'invalid_signature',
          'invalid_payload',
          ['validation_error', 'id must not contain control characters'],
          'invalid_body',
          'payload_too_large',
          'unsupported_media_type',
          'internal_error',
          'service_unavailable',
        ]),
      },
    },
  },
  '/health/live': {
    get: {
      tags: ['operations'],
      operationId: 'live',
      summary: 'Liveness',
      security: [],
      responses: { '200': jsonResponse('The process is running.', S.HealthLive, { example: { status: 'ok' } }) },
    },
  },
  '/health/ready': {
    get: {
      tags: ['operations'],
      operationId: 'ready',
      summary: 'Readiness',
      description: 'Probes PostgreSQL (1.5 s timeout each).',
      security: [],
      responses: {
        '200': jsonResponse('Ready.', S.HealthReady, { example: { status: 'ok', checks: { postgres: 'up' } } }),
        '503': {
          description: 'A critical dependency is down. `code`: `dependency_unavailable`; `errors` names each one.',
          headers: commonHeaders(),
          content: {
            'application/problem+json': {
              schema: S.Problem,
              example: problemJson({
                ...problem(503, 'dependency_unavailable', 'Not ready: postgres unavailable.'),
                errors: [{ field: 'postgres', message: 'down' }],
              }),
            },
          },
        },
      },
    },
  },
  '/metrics': {
    get: {
      tags: ['operations'],
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      security: [],
      responses: {
        '200': {
          description:
            'Prometheus text exposition format (HTTP latency, bookings by outcome, conflicts, idempotent replays, webhook events, failed payments, queue depth…).',
          headers: commonHeaders(),
          content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/openapi.json': {
    get: {
      tags: ['operations'],
      operationId: 'openApi',
      summary: 'This document',
      security: [],
      responses: { '200': jsonResponse('OpenAPI 3.1 description of the command API.', { type: 'object' }) },
    },
  },
  '/api/': {
    get: {
      tags: ['operations'],
      operationId: 'swaggerUi',
      summary: 'Swagger UI for this document',
      description: '`/api` redirects here.',
      security: [],
      responses: { '200': { description: 'The Swagger UI page.', headers: commonHeaders(), content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
};

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Booking marketplace — command API',
    version: '0.1.0',
    summary: 'Book and pay for professionals’ time slots; manage professionals and their availability.',
    description: [
      'The write side of the marketplace (search is served by the query API at `/search/…`).',
      '',
      '- **Auth**: `Authorization: Bearer <JWT>` (HS256 or JWKS), claims `sub`, `role` (`client` | `professional` | `admin`), optional `email` and `professional_id`. Missing or invalid → 401 `unauthorized` with `WWW-Authenticate: Bearer`; wrong role → 403 `forbidden`. `exp` is required; `iat`/`nbf` more than 30 s ahead, or claims with control characters, → 401. `email` is used only when it is exactly one address.',
      '- **Errors**: RFC 9457 `application/problem+json` with a stable `code`; `validation_error` lists every invalid field in `errors`. Unknown routes answer 404 `not_found`.',
      '- **Bodies**: JSON (`application/json` or `application/*+json`; any other type → 415 `unsupported_media_type`), at most 100 kB (413 `payload_too_large`); malformed JSON → 400 `invalid_json`; a body that does not decode with its `Content-Encoding` (gzip, deflate, br) → 400 `invalid_body`, another encoding → 415; unknown fields (`__proto__` included) are refused. Text fields refuse control characters (NUL included); instants must lie in years 0000–9999 once in UTC.',
      '- **Rate limit**: per client IP, COMMAND_RATE_LIMIT_PER_MIN (600 by default) per minute across all routes except health, metrics, API docs and the Stripe webhook; `RateLimit` and `RateLimit-Policy` headers (IETF draft 8); 429 `rate_limited` with `Retry-After`.',
      '- **Tracing**: every response carries `X-Request-Id` (the one sent, when it is 1–128 of `A-Za-z0-9._-`, else a new UUID).',
    ].join('\n'),
  },
  servers: [{ url: '/', description: 'This server (behind the gateway, the same paths)' }],
  tags: [
    { name: 'bookings', description: 'Book, list, read, reschedule and cancel bookings.' },
    { name: 'professionals', description: 'Professionals and their availability windows.' },
    { name: 'webhook endpoints', description: 'Outgoing webhooks: integrators’ endpoints, their delivery log and retries.' },
    { name: 'webhooks', description: 'Events from Stripe.' },
    { name: 'operations', description: 'Health, metrics and API documentation.' },
  ],
  paths,
  webhooks: outgoingWebhooks,
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'JWT with claims `sub`, `role` (`client`, `professional` or `admin`), optional `email` (booking confirmations are sent to it) and `professional_id` (defaults to `sub` for professionals). Development tokens: `npm run token -- --role client --sub alice`.',
      },
    },
    parameters: {
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        description:
          'Unique per logical request, chosen by the client (a UUID is a good choice); 1–255 printable ASCII characters without spaces. Missing or malformed → 400 `idempotency_key_missing`. Scoped per client; kept 24 h.',
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]{1,255}$' },
        example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
      },
      XRequestId: {
        name: 'X-Request-Id',
        in: 'header',
        required: false,
        description: 'Correlation id echoed in the response and the logs; replaced by a new UUID unless it matches the pattern.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
      },
    },
    headers: {
      'Idempotent-Replayed': {
        description: '`true` when this response is the stored response of an earlier request with the same Idempotency-Key and payload; absent otherwise.',
        schema: { const: 'true' },
      },
      'X-Request-Id': { description: 'The request id (see the `X-Request-Id` parameter).', schema: { type: 'string' } },
      'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { const: 'Bearer' } },
      'Retry-After': {
        description: 'Seconds to wait before retrying: until the rate-limit window resets (429), or for a dependency to come back (503).',
        schema: { type: 'integer', minimum: 1 },
      },
      RateLimit: {
        description: 'Remaining requests and seconds to reset (draft-ietf-httpapi-ratelimit-headers-08), e.g. `"600-in-1min"; r=599; t=60`.',
        schema: { type: 'string' },
      },
      'RateLimit-Policy': {
        description: 'The policy (draft-ietf-httpapi-ratelimit-headers-08), e.g. `"600-in-1min"; q=600; w=60; pk=:…:`.',
        schema: { type: 'string' },
      },
    },
    schemas: schemas.all(),
  },
};
