import { problemSchema } from '../shared/api-shapes.ts';
import { parametersOf, SchemaRegistry } from '../shared/http/openapi.ts';
import { getProfessionalParams } from './search/get-professional.route.ts';
import { searchQuerySchema } from './search/search-query.ts';
import { professionalDetailSchema, searchPageSchema, slotsSchema } from './search/search.schemas.ts';
import { slotsParams, slotsQuerySchema } from './search/professional-slots.route.ts';

/** Every request and response schema below is generated from the joi schema the code validates with. */
const schemas = new SchemaRegistry();
const SearchPage = schemas.add('SearchPage', searchPageSchema, 'output');
const ProfessionalDetail = schemas.add('ProfessionalDetail', professionalDetailSchema, 'output');
const Slots = schemas.add('Slots', slotsSchema, 'output');
schemas.add('Problem', problemSchema, 'output');

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
    'HIT when the body came from the cache (or from an identical request already in flight, on this instance or another: concurrent identical misses cost one Elasticsearch query); MISS when Elasticsearch answered.',
  schema: { type: 'string', enum: ['HIT', 'MISS'] },
};

/** Conditional requests: every search answer carries an entity tag, and may be reused for 1 s. */
const ifNoneMatch = {
  in: 'header',
  name: 'If-None-Match',
  required: false,
  description: 'Entity tags of answers the client (or a CDN) holds: 304 without a body when the answer still has one of them.',
  schema: { type: 'string' },
};
const cachingHeaders = {
  ETag: { description: 'Strong entity tag of the body; the same bytes have the same tag on every instance.', schema: { type: 'string' } },
  'Cache-Control': {
    description: '`public, max-age=1`: the freshness contract lets shared caches (CDNs) and browsers reuse an answer for at most about 1 s.',
    schema: { type: 'string' },
  },
};
const notModified = {
  description: 'Not modified: the answer still has the entity tag named in If-None-Match (no body)',
  headers: { 'X-Cache': { $ref: '#/components/headers/XCache' }, ...cachingHeaders, ...rateLimitHeaders },
};

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
        parameters: [...parametersOf(searchQuerySchema, 'query'), ifNoneMatch],
        responses: {
          '200': {
            description: 'One page of results',
            headers: { 'X-Cache': { $ref: '#/components/headers/XCache' }, ...cachingHeaders, ...rateLimitHeaders },
            content: { 'application/json': { schema: SearchPage } },
          },
          '304': notModified,
          '400': problem('Invalid parameters (code `validation_error`; `errors` names each one)'),
          ...errors,
        },
      },
    },
    '/search/professionals/{id}': {
      get: {
        operationId: 'getProfessional',
        summary: 'One professional as search sees it, with its free ranges',
        parameters: [...parametersOf(getProfessionalParams, 'path'), ifNoneMatch],
        responses: {
          '200': {
            description: 'The professional',
            headers: { 'X-Cache': { $ref: '#/components/headers/XCache' }, ...cachingHeaders, ...rateLimitHeaders },
            content: { 'application/json': { schema: ProfessionalDetail } },
          },
          '304': notModified,
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
        parameters: [...parametersOf(slotsParams, 'path'), ...parametersOf(slotsQuerySchema, 'query')],
        responses: {
          '200': {
            description: 'The slots',
            headers: rateLimitHeaders,
            content: { 'application/json': { schema: Slots } },
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
      XCache: xCache,
      RateLimit: { description: 'IETF draft-8 RateLimit header: remaining quota and reset', schema: { type: 'string' } },
      RateLimitPolicy: { description: 'IETF draft-8 RateLimit-Policy header: the quota and window', schema: { type: 'string' } },
    },
    schemas: schemas.all(),
  },
};
