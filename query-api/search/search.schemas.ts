/** The response shapes of the search endpoints: the OpenAPI document and the tests both use these. */
import { currencyOut, instantOut, professionalId, travelMode } from '../../shared/api-shapes.ts';
import { Joi } from '../../shared/validation.ts';

const location = Joi.object({ lat: Joi.number().min(-90).max(90).required(), long: Joi.number().min(-180).max(180).required() }).id('Location');

/** What both search endpoints show of a professional. */
const publicProfile = {
  id: professionalId().required(),
  name: Joi.string().required(),
  category: Joi.string().required(),
  rate_per_minute: Joi.number().integer().min(1).required().description('Minor units of `currency`'),
  currency: currencyOut().required(),
  location: location.required(),
  travel_modes: Joi.array().items(travelMode()).min(1).required(),
};

export const searchResultSchema = Joi.object({
  ...publicProfile,
  distance_km: Joi.number().min(0).required().description('Great-circle distance, 3 decimals'),
  eta_minutes: Joi.number()
    .integer()
    .min(0)
    .required()
    .description('distance ÷ speed of `travel_mode` (of the fastest mode the professional offers when none is given), rounded up'),
  next_free_start: instantOut('When the professional is next free (now if free now); absent when nothing is free within the search horizon'),
}).id('SearchResult');

export const searchPageSchema = Joi.object({
  data: Joi.array().items(searchResultSchema).required(),
  page: Joi.object({
    limit: Joi.number().integer().min(1).required(),
    next_cursor: Joi.string().allow(null).required().description('null on the last page'),
  }).required(),
});

export const professionalDetailSchema = Joi.object({
  ...publicProfile,
  time_zone: Joi.string().required().description('IANA time zone name'),
  next_free_start: instantOut(),
  free_ranges: Joi.array()
    .items(Joi.object({ start_time: instantOut().required(), end_time: instantOut().required() }))
    .required()
    .description('Availability minus held and confirmed bookings, from now to the search horizon (SEARCH_HORIZON_DAYS)'),
});

export const slotsSchema = Joi.object({
  professional_id: professionalId().required(),
  time_zone: Joi.string().required().description('The professional’s IANA time zone, in which the grid and weekly hours are read'),
  duration_minutes: Joi.number().integer().min(15).max(480).required(),
  slots: Joi.array()
    .items(Joi.object({ start_time: instantOut().required(), end_time: instantOut().required() }))
    .required()
    .description('Every start that POST /bookings would accept now, ascending'),
});
