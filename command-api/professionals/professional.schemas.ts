/** The request and response shapes of the professional endpoints: validators and OpenAPI both come from here. */
import { category, currencyOut, instantOut, professionalId, travelMode, UUID_PATTERN } from '../../shared/api-shapes.ts';
import { isoInstant, Joi, timeZone } from '../../shared/validation.ts';
import { MAX_CANCELLATION_TIERS } from '../bookings/booking-lifecycle.ts';

const fields = {
  name: Joi.string().trim().min(1).max(200).description('Trimmed.'),
  category: category().description('1–64 letters, digits, spaces, `_` or `-` (after trimming); stored trimmed and in lower case.'),
  rate_per_minute: Joi.number()
    .strict()
    .integer()
    .min(1)
    .max(1_000_000)
    .description('Price per minute in minor units of `currency` (a JSON number; strings are refused).'),
  currency: Joi.string()
    .uppercase()
    .length(3)
    .pattern(/^[A-Za-z]{3}$/)
    .description('ISO 4217 currency code; stored in upper case.'),
  lat: Joi.number().strict().min(-90).max(90),
  long: Joi.number().strict().min(-180).max(180),
  travel_modes: Joi.array().items(travelMode()).min(1).unique().description('How the professional reaches the client.'),
  time_zone: timeZone(),
};

export const createProfessionalBody = Joi.object({
  id: professionalId().description('Slug of letters, digits, `_` and `-`; `pro_<16 hex>` is generated when absent.'),
  name: fields.name.required(),
  category: fields.category.required(),
  rate_per_minute: fields.rate_per_minute.required(),
  currency: fields.currency.required(),
  lat: fields.lat.required(),
  long: fields.long.required(),
  travel_modes: fields.travel_modes.required(),
  time_zone: fields.time_zone.default('UTC'),
}).required();

export const cancellationPolicy = Joi.array()
  .items(
    Joi.object({
      hours_before: Joi.number()
        .strict()
        .min(0)
        .max(24 * 365)
        .required()
        .description('Applies when at least this many hours are left before the start.'),
      refund_percent: Joi.number().strict().integer().min(0).max(100).required().description('Percent of the price refunded (rounded down to minor units).'),
    }),
  )
  .max(MAX_CANCELLATION_TIERS)
  .unique('hours_before')
  .messages({ 'array.unique': 'cancellation_policy must not repeat an hours_before', 'array.max': 'cancellation_policy has at most {{#limit}} tiers' })
  .description(
    'Refund tiers for a client’s cancellation of a confirmed booking: the tier with the largest `hours_before` not above the hours left before the start gives the percent; no tier, no refund. A cancellation by the professional is always refunded in full.',
  );

export const patchProfessionalBody = Joi.object({
  ...fields,
  active: Joi.boolean().strict().description('false takes the professional out of search and booking.'),
  cancellation_policy: cancellationPolicy,
})
  .min(1)
  .required()
  .description('Any subset of the fields (at least one).');

export const availabilityBody = Joi.object({
  start_time: isoInstant().required(),
  end_time: isoInstant().required(),
})
  .required()
  .description('`end_time` must be after `start_time`, at most 31 days later; windows of one professional never overlap.');

export const professionalSchema = Joi.object({
  id: professionalId().required(),
  name: Joi.string().required(),
  category: Joi.string().required().description('Lower case.'),
  rate_per_minute: Joi.number().integer().min(1).required().description('Minor units of `currency` per minute.'),
  currency: currencyOut().required(),
  lat: Joi.number().min(-90).max(90).required(),
  long: Joi.number().min(-180).max(180).required(),
  travel_modes: Joi.array().items(travelMode()).min(1).required(),
  time_zone: Joi.string().required().description('IANA time zone name.'),
  active: Joi.boolean().required().description('Inactive professionals cannot be booked.'),
  cancellation_policy: Joi.array()
    .items(Joi.object({ hours_before: Joi.number().min(0).required(), refund_percent: Joi.number().integer().min(0).max(100).required() }))
    .required()
    .description('Refund tiers of a client’s cancellation (default: 100 % at least 24 hours ahead).'),
  created_at: instantOut('Creation time.').required(),
  updated_at: instantOut('Last change.').required(),
});

export const availabilitySchema = Joi.object({
  id: Joi.string().pattern(UUID_PATTERN).required(),
  professional_id: professionalId().required(),
  start_time: instantOut('Start of the window (UTC).').required(),
  end_time: instantOut('End of the window (exclusive, UTC).').required(),
});
