import { TRAVEL_MODES } from '../shared/config.ts';
import { MAX_LIMIT, MAX_RADIUS_KM, SORTS } from './search/search-query.ts';

const problem = (description: string, headers: Record<string, object> = {}) => ({
  description,
  headers,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const rateLimitHeaders = {
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
};

const xCache = {
  description:
    'HIT when the body came from the cache (or from an identical request already in flight: concurrent identical misses cost one Elasticsearch query); MISS when Elasticsearch answered.',
  schema: { type: 'string', enum: ['HIT', 'MISS'] },
};

const query = (name: string, description: string, schema: object, required = false) => ({ name, in: 'query', required, description, schema });

const errors = {
  '429': problem('Too many requests (code `rate_limited`)', {
    'Retry-After': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
    ...rateLimitHeaders,
  }),
  '503': problem('Elasticsearch is unavailable (code `search_unavailable`); answered within 2 s', {
    'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
  }),
};

/** OpenAPI 3.1 description of the query API; kept beside the routes it describes. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Booking marketplace — query API',
    version: '0.1.0',
    description:
      'Public search over the read model (Elasticsearch), cached in Redis for SEARCH_CACHE_TTL_S seconds and rate-limited per client. ' +
      'Results can lag the command side by about a second; bookings are always re-checked by the command API.',
  },
  paths: {
    '/search/professionals': {
      get: {
        operationId: 'searchProfessionals',
        summary: 'Professionals near a point, optionally free for a whole interval',
        description:
          'Every filter is optional except the location. Unknown parameters are refused. Pages follow `page.next_cursor` ' +
          '(null on the last page); a cursor only works with the query it came from (any `limit`).',
        parameters: [
          query('lat', 'Latitude of the client', { type: 'number', minimum: -90, maximum: 90 }, true),
          query('long', 'Longitude of the client', { type: 'number', minimum: -180, maximum: 180 }, true),
          query('location_radius_km', 'Search radius', { type: 'number', exclusiveMinimum: 0, maximum: MAX_RADIUS_KM }, true),
          query('category', 'Category, case-insensitive (e.g. plumber)', { type: 'string', maxLength: 64 }),
          query('rate_per_minute', 'Maximum rate per minute, in minor units of the currency', { type: 'integer', minimum: 1 }),
          query(
            'travel_mode',
            'How the professional reaches the client: only professionals offering it, and `eta_minutes` at its speed. Required with `sort=eta`.',
            { type: 'string', enum: TRAVEL_MODES },
          ),
          query(
            'start_time',
            'With `duration_minutes`: only professionals who would accept a booking of the whole interval now (available time, bookings with their buffers, minimum notice, booking horizon; not the slot grid). ISO 8601 with an offset; the interval must end within SEARCH_HORIZON_DAYS (60), else 400 naming `start_time`.',
            { type: 'string', format: 'date-time' },
          ),
          query('duration_minutes', 'Length of the interval; required with `start_time` and vice versa', {
            type: 'integer',
            minimum: 15,
            maximum: 480,
            multipleOf: 5,
          }),
          query(
            'sort',
            '`distance` (nearest first), `rate` (cheapest first, then nearest) or `eta` (soonest arrival first; needs `travel_mode`, ' +
              'with which it orders like distance). Ties are broken by id.',
            { type: 'string', enum: SORTS, default: 'distance' },
          ),
          query('limit', 'Page size', { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 20 }),
          query('cursor', 'Opaque `page.next_cursor` of the previous page', { type: 'string', maxLength: 512 }),
        ],
        responses: {
          '200': {
            description: 'One page of results',
            headers: { 'X-Cache': xCache, ...rateLimitHeaders },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/SearchPage' } } },
          },
          '400': problem('Invalid parameters (code `validation_error`; `errors` names each one)'),
          ...errors,
        },
      },
    },
    '/search/professionals/{id}': {
      get: {
        operationId: 'getProfessional',
        summary: 'One professional as search sees it, with its free ranges',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }],
        responses: {
          '200': {
            description: 'The professional',
            headers: { 'X-Cache': xCache, ...rateLimitHeaders },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ProfessionalDetail' } } },
          },
          '400': problem('Invalid id (code `validation_error`)'),
          '404': problem('No active professional has this id (code `professional_not_found`)'),
          ...errors,
        },
      },
    },
    '/search/professionals/{id}/slots': {
      get: {
        operationId: 'getProfessionalSlots',
        summary: 'Bookable starts of one professional',
        description:
          'Every start in `[from, to)` that `POST /bookings` would accept now for this duration, ascending: on the professional’s local slot grid, after the minimum notice, before the booking horizon, inside weekly hours (or a date’s override) or a one-off window, and clear of other bookings with the buffers. Answered from the read model (fresh within about a second of a change), over the whole booking horizon. Not cached.',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
          query('from', 'ISO 8601 instant with offset', { type: 'string', format: 'date-time' }, true),
          query('to', 'ISO 8601 instant with offset; after `from`, at most 31 days after it', { type: 'string', format: 'date-time' }, true),
          query('duration_minutes', '15–480, a multiple of 5', { type: 'integer', minimum: 15, maximum: 480, multipleOf: 5 }, true),
        ],
        responses: {
          '200': {
            description: 'The slots',
            headers: rateLimitHeaders,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Slots' } } },
          },
          '400': problem('Invalid parameter, named in `errors` (code `validation_error`)'),
          '404': problem('No active professional has this id (code `professional_not_found`)'),
          ...errors,
        },
      },
    },
  },
  components: {
    headers: {
      RateLimit: { description: 'IETF draft-8 RateLimit header: remaining quota and reset', schema: { type: 'string' } },
      RateLimitPolicy: { description: 'IETF draft-8 RateLimit-Policy header: the quota and window', schema: { type: 'string' } },
    },
    schemas: {
      Location: {
        type: 'object',
        required: ['lat', 'long'],
        properties: { lat: { type: 'number' }, long: { type: 'number' } },
      },
      SearchResult: {
        type: 'object',
        required: ['id', 'name', 'category', 'rate_per_minute', 'currency', 'location', 'distance_km', 'eta_minutes', 'travel_modes'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          category: { type: 'string' },
          rate_per_minute: { type: 'integer', description: 'Minor units of `currency`' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          location: { $ref: '#/components/schemas/Location' },
          distance_km: { type: 'number', description: 'Great-circle distance, 3 decimals' },
          eta_minutes: {
            type: 'integer',
            description: 'distance ÷ speed of `travel_mode` (of the fastest mode the professional offers when none is given), rounded up',
          },
          travel_modes: { type: 'array', items: { type: 'string', enum: TRAVEL_MODES } },
          next_free_start: {
            type: 'string',
            format: 'date-time',
            description: 'When the professional is next free (now if free now); absent when nothing is free within the search horizon',
          },
        },
      },
      SearchPage: {
        type: 'object',
        required: ['data', 'page'],
        properties: {
          data: { type: 'array', items: { $ref: '#/components/schemas/SearchResult' } },
          page: {
            type: 'object',
            required: ['limit', 'next_cursor'],
            properties: { limit: { type: 'integer' }, next_cursor: { type: ['string', 'null'] } },
          },
        },
      },
      ProfessionalDetail: {
        type: 'object',
        required: ['id', 'name', 'category', 'rate_per_minute', 'currency', 'location', 'travel_modes', 'time_zone', 'free_ranges'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          category: { type: 'string' },
          rate_per_minute: { type: 'integer' },
          currency: { type: 'string' },
          location: { $ref: '#/components/schemas/Location' },
          travel_modes: { type: 'array', items: { type: 'string', enum: TRAVEL_MODES } },
          time_zone: { type: 'string' },
          next_free_start: { type: 'string', format: 'date-time' },
          free_ranges: {
            type: 'array',
            description: 'Availability minus held and confirmed bookings, from now to the search horizon (SEARCH_HORIZON_DAYS)',
            items: {
              type: 'object',
              required: ['start_time', 'end_time'],
              properties: { start_time: { type: 'string', format: 'date-time' }, end_time: { type: 'string', format: 'date-time' } },
            },
          },
        },
      },
      Slots: {
        type: 'object',
        required: ['professional_id', 'time_zone', 'duration_minutes', 'slots'],
        properties: {
          professional_id: { type: 'string' },
          time_zone: { type: 'string', description: 'The professional’s IANA time zone, in which the grid and weekly hours are read' },
          duration_minutes: { type: 'integer' },
          slots: {
            type: 'array',
            items: {
              type: 'object',
              required: ['start_time', 'end_time'],
              properties: { start_time: { type: 'string', format: 'date-time' }, end_time: { type: 'string', format: 'date-time' } },
            },
          },
        },
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details',
        required: ['type', 'title', 'status', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
};
