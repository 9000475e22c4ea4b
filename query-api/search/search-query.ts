import { createHash } from 'node:crypto';
import { category, SORTS, travelMode, type Sort } from '../../shared/api-shapes.ts';
import type { TravelMode } from '../../shared/config.ts';
import { fail, ok, type FieldError, type Result } from '../../shared/errors.ts';
import { intervalEndError, isoInstant, Joi } from '../../shared/validation.ts';

export { SORTS, type Sort } from '../../shared/api-shapes.ts';

/** A validated GET /search/professionals query. */
export interface SearchQuery {
  lat: number;
  long: number;
  location_radius_km: number;
  category?: string;
  /** a maximum, in minor units */
  rate_per_minute?: number;
  travel_mode?: TravelMode;
  start_time?: Date;
  duration_minutes?: number;
  sort: Sort;
  limit: number;
  cursor?: string;
}

export const MAX_RADIUS_KM = 200;
export const MAX_LIMIT = 100;

/** Unknown parameters are refused (joi objects allow no unknown keys), so a typo never silently widens a search. */
export const searchQuerySchema = Joi.object<SearchQuery>({
  lat: Joi.number().min(-90).max(90).required().description('Latitude of the client'),
  long: Joi.number().min(-180).max(180).required().description('Longitude of the client'),
  location_radius_km: Joi.number().greater(0).max(MAX_RADIUS_KM).required().description('Search radius'),
  category: category().description('Category, case-insensitive (e.g. plumber): 1–64 letters, digits, spaces, `_` or `-`'),
  rate_per_minute: Joi.number().integer().min(1).max(1_000_000).description('Maximum rate per minute, in minor units of the currency'),
  travel_mode: travelMode()
    .when('sort', { is: 'eta', then: Joi.required() })
    .messages({ 'any.required': 'travel_mode is required when sort=eta' })
    .description('How the professional reaches the client: only professionals offering it, and `eta_minutes` at its speed. Required with `sort=eta`.'),
  start_time: isoInstant().description(
    'With `duration_minutes`: only professionals who would accept a booking of the whole interval now (available time, bookings with their buffers, minimum notice, booking horizon; not the slot grid). ISO 8601 with an offset; the interval must end within SEARCH_HORIZON_DAYS (60), else 400 naming `start_time`.',
  ),
  duration_minutes: Joi.number().integer().min(15).max(480).multiple(5).description('Length of the interval; required with `start_time` and vice versa'),
  sort: Joi.string()
    .valid(...SORTS)
    .default('distance')
    .description(
      '`distance` (nearest first), `rate` (cheapest first, then nearest) or `eta` (soonest arrival first; needs `travel_mode`, with which it orders like distance). Ties are broken by id.',
    ),
  limit: Joi.number().integer().min(1).max(MAX_LIMIT).default(20).description('Page size'),
  cursor: Joi.string()
    .max(512)
    .pattern(/^[A-Za-z0-9_-]+$/)
    .messages({ 'string.pattern.base': 'cursor must be a next_cursor returned by this endpoint' })
    .description('Opaque `page.next_cursor` of the previous page'),
}).required();

/**
 * Rules across parameters: those that only make sense together, and a time window that must end by
 * year 9999. Checked after joi rather than with object-level `when`s,
 * which cost as much again as the rest of the validation on this hot path.
 */
export function crossFieldErrors(q: SearchQuery): FieldError[] {
  if (q.start_time !== undefined && q.duration_minutes === undefined)
    return [{ field: 'duration_minutes', message: 'duration_minutes is required with start_time' }];
  if (q.duration_minutes !== undefined && q.start_time === undefined) return [{ field: 'start_time', message: 'start_time is required with duration_minutes' }];
  const endError = q.start_time && q.duration_minutes !== undefined ? intervalEndError('start_time', q.start_time, q.duration_minutes) : undefined;
  return endError ? [endError] : [];
}

/**
 * A time window must end within the search horizon: free ranges are indexed that far ahead only, so
 * beyond it search could not tell free from unknown. Checked at request time (the clock moves).
 */
export function beyondSearchHorizon(q: SearchQuery, now: number, horizonDays: number): FieldError[] {
  if (q.start_time === undefined || q.duration_minutes === undefined) return [];
  if (q.start_time.getTime() + q.duration_minutes * 60_000 <= now + horizonDays * 86_400_000) return [];
  return [{ field: 'start_time', message: `start_time + duration_minutes must lie within the next ${horizonDays} days (the search horizon)` }];
}

/**
 * The query in one canonical form: fixed parameter order, numbers as parsed (5.60 and 5.6 are one query),
 * category lower-cased, instants in UTC. A cursor's fingerprint covers this; the page position (limit,
 * cursor) is left out, so a cursor works with any page size, and cacheKey adds it.
 */
export function canonicalQuery(q: SearchQuery): string {
  return (
    `lat=${q.lat}&long=${q.long}&r=${q.location_radius_km}&c=${q.category ?? ''}&max=${q.rate_per_minute ?? ''}` +
    `&mode=${q.travel_mode ?? ''}&start=${q.start_time?.toISOString() ?? ''}&dur=${q.duration_minutes ?? ''}&sort=${q.sort}`
  );
}

export function cacheKey(canonical: string, q: SearchQuery): string {
  return `${canonical}&limit=${q.limit}&cursor=${q.cursor ?? ''}`;
}

/** Elasticsearch search_after values: [distance_km, id] or, sorted by rate, [rate, distance_km, id]. */
export type SearchAfter = [number, string] | [number, number, string];

const fingerprint = (canonical: string) => createHash('sha256').update(canonical).digest('base64url').slice(0, 16);

/** Opaque to clients: base64url JSON of the search_after values and a fingerprint of the query they belong to. */
export function encodeCursor(canonical: string, after: SearchAfter): string {
  return Buffer.from(JSON.stringify({ q: fingerprint(canonical), a: after })).toString('base64url');
}

export function decodeCursor(cursor: string, canonical: string, sort: Sort): Result<SearchAfter, 'validation_error'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return invalidCursor('cursor is not a cursor returned by this endpoint');
  }
  const { q, a } = (parsed ?? {}) as { q?: unknown; a?: unknown };
  if (typeof q !== 'string' || !Array.isArray(a) || !matchesSort(a, sort)) return invalidCursor('cursor is not a cursor returned by this endpoint');
  if (q !== fingerprint(canonical)) return invalidCursor('cursor belongs to a different query; repeat the query it came from');
  return ok(a as SearchAfter);
}

const isDistance = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isId = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 64;

function matchesSort(a: unknown[], sort: Sort): boolean {
  if (sort === 'rate') return a.length === 3 && Number.isSafeInteger(a[0]) && isDistance(a[1]) && isId(a[2]);
  return a.length === 2 && isDistance(a[0]) && isId(a[1]);
}

const invalidCursor = (message: string) => fail('validation_error' as const, message, [{ field: 'cursor', message }]);
