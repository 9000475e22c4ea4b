/**
 * Ids, patterns, enums and the joi building blocks of the public API shapes, in one place: the
 * validators, the response schemas and (generated from both) the OpenAPI documents of the two APIs
 * use these and nothing else.
 */
import { TRAVEL_MODES } from './config.ts';
import { Joi } from './validation.ts';

export { TRAVEL_MODES };

export const PROFESSIONAL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const CATEGORY_PATTERN = /^[\p{L}\p{N} _-]{1,64}$/u;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
/** 1–255 printable ASCII characters, no spaces (section 4). */
export const IDEMPOTENCY_KEY_PATTERN = /^[!-~]{1,255}$/;

export const SORTS = ['distance', 'rate', 'eta'] as const;
export type Sort = (typeof SORTS)[number];

export const BOOKING_STATUSES = ['pending', 'confirmed', 'cancelled', 'expired'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
/** Statuses that hold their blocked range: the exclusion constraint, search and every overlap check agree on these. */
export const LIVE_BOOKING_STATUSES = ['pending', 'confirmed'] as const satisfies readonly BookingStatus[];

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);
export const isProfessionalId = (value: string): boolean => PROFESSIONAL_ID_PATTERN.test(value);

// ---------------------------------------------------------------------------------------------
// joi building blocks (inputs)

export const professionalId = () =>
  Joi.string().pattern(PROFESSIONAL_ID_PATTERN).messages({ 'string.pattern.base': '{{#label}} must be 1–64 letters, digits, _ or -' });

export const category = () =>
  Joi.string().trim().lowercase().pattern(CATEGORY_PATTERN).messages({ 'string.pattern.base': 'category must be 1–64 letters, digits, spaces, _ or -' });

export const travelMode = () => Joi.string().valid(...TRAVEL_MODES);

// ---------------------------------------------------------------------------------------------
// joi building blocks (outputs): what the APIs answer, checked against real responses in tests

/** An instant as the APIs write it: `toISOString()`, always UTC with milliseconds. */
export const instantOut = (description?: string) => {
  const s = Joi.string().isoDate();
  return description ? s.description(description) : s;
};

export const currencyOut = () => Joi.string().pattern(CURRENCY_PATTERN).description('ISO 4217 currency code, upper case.');

/** RFC 9457 problem details, the body of every error of both APIs. */
export const problemSchema = Joi.object({
  type: Joi.string().uri().required().description('`https://errors.booking.example/<code>`'),
  title: Joi.string().required().description('The HTTP reason phrase of `status`.'),
  status: Joi.number().integer().min(400).max(599).required(),
  detail: Joi.string().description('Human-readable explanation.'),
  code: Joi.string().required().description('Stable machine-readable error code.'),
  errors: Joi.array()
    .items(
      Joi.object({
        field: Joi.string().required().description('Dotted path of the field (`body` for the whole body).'),
        message: Joi.string().required(),
      }),
    )
    .description('One entry per invalid field (`validation_error`) or per unavailable dependency (`dependency_unavailable`).'),
})
  .description('RFC 9457 problem details (`application/problem+json`). Never carries stack traces or SQL.')
  .meta({ 'x-component': 'Problem' });

export const healthLiveSchema = Joi.object({ status: Joi.string().valid('ok').required() }).meta({ 'x-component': 'HealthLive' });

export const healthReadySchema = Joi.object({
  status: Joi.string().valid('ok', 'degraded').required().description('`degraded` when a non-critical dependency is down.'),
  checks: Joi.object()
    .pattern(Joi.string(), Joi.string().valid('up', 'down'))
    .required()
    // joi-to-json does not translate object patterns
    .meta({ 'x-json-schema': { additionalProperties: { type: 'string', enum: ['up', 'down'] } } }),
}).meta({ 'x-component': 'HealthReady' });
