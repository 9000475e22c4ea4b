import { errors, type estypes } from '@elastic/elasticsearch';
import type { ElasticsearchClient } from '../../shared/elasticsearch.ts';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { searchCells } from '../../shared/search/geo-cells.ts';
import type { IndexFeatures } from './index-features.ts';
import type { SearchAfter, SearchQuery } from './search-query.ts';

/** The fields a result row shows; the rest (free ranges above all) stays in Elasticsearch. */
export type ResultSource = Pick<
  ProfessionalDocument,
  'id' | 'name' | 'category' | 'rate_per_minute' | 'currency' | 'location' | 'travel_modes' | 'next_free_start' | 'minimum_notice_minutes'
>;
const RESULT_FIELDS = ['id', 'name', 'category', 'rate_per_minute', 'currency', 'location', 'travel_modes', 'next_free_start', 'minimum_notice_minutes'];

/** What both search endpoints show of a professional. */
export interface PublicProfile {
  id: string;
  name: string;
  category: string;
  rate_per_minute: number;
  currency: string;
  location: { lat: number; long: number };
  travel_modes: ProfessionalDocument['travel_modes'];
}

export function publicProfile(s: ResultSource): PublicProfile {
  return {
    id: s.id,
    name: s.name,
    category: s.category,
    rate_per_minute: s.rate_per_minute,
    currency: s.currency,
    location: { lat: s.location.lat, long: s.location.lon },
    travel_modes: s.travel_modes,
  };
}

export interface SearchHit {
  _source: ResultSource;
  sort: SearchAfter;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Where the read model lives, how long a search may wait for it, and whether its documents carry geo cells. */
export interface ReadModel {
  alias: string;
  timeoutMs: number;
  geoCells: boolean;
}

export function readModel(deps: { config: { elasticsearch: { alias: string; requestTimeoutMs: number } }; indexFeatures: IndexFeatures }): ReadModel {
  return { alias: deps.config.elasticsearch.alias, timeoutMs: deps.config.elasticsearch.requestTimeoutMs, geoCells: deps.indexFeatures.geoCells() };
}

/**
 * The cells a search's candidates must lie in (narrowed by its category when it names one): a terms filter
 * on them leads the query, so Elasticsearch checks distance, price and free time only for the professionals
 * of a few cells rather than for every professional of the category (at 1M professionals, tens of thousands).
 */
export function searchCellTerms(q: Pick<SearchQuery, 'lat' | 'long' | 'location_radius_km' | 'category'>): string[] {
  const cells = searchCells(q.lat, q.long, q.location_radius_km);
  return q.category === undefined ? cells : cells.map((cell) => `${cell}/${q.category}`);
}

/**
 * One page of professionals matching the query, in a total order (the sort ends with the unique id, so
 * search_after never repeats or skips). Every condition is a bool filter: no scoring, and the repeated
 * clauses (active, category, mode, interval) land in Elasticsearch's filter cache. The request asks only
 * for what the page needs: `_source` includes, `filter_path` to trim the response, no total hit count.
 * No shard request cache: repeated queries are answered by our own cache (shared through Redis) before
 * they get here, geo queries rarely repeat exactly, and each refresh under writes would clear it.
 */
export async function searchProfessionalIndex(
  es: ElasticsearchClient,
  target: ReadModel,
  q: SearchQuery,
  size: number,
  after: SearchAfter | undefined,
  now: number,
): Promise<SearchHit[]> {
  const here = { lat: q.lat, lon: q.long };
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { active: true } }, { geo_distance: { distance: `${q.location_radius_km}km`, location: here } }];
  if (target.geoCells) filter.push({ terms: { geo_cells: searchCellTerms(q) } });
  if (q.category !== undefined) filter.push({ term: { category: q.category } });
  if (q.rate_per_minute !== undefined) filter.push({ range: { rate_per_minute: { lte: q.rate_per_minute } } });
  if (q.travel_mode !== undefined) filter.push({ term: { travel_modes: q.travel_mode } });
  if (q.start_time !== undefined && q.duration_minutes !== undefined) {
    const end = new Date(q.start_time.getTime() + q.duration_minutes * MINUTE_MS);
    // free for the whole interval: one of the professional's free ranges contains [start, end)
    filter.push({ range: { free_ranges: { gte: q.start_time.toISOString(), lt: end.toISOString(), relation: 'contains' } } });
    // and bookable now: start ≥ now + notice, start < now + horizon (DESIGN 3.2; both move with the clock)
    const ahead = q.start_time.getTime() - now;
    filter.push({ range: { minimum_notice_minutes: { lte: Math.floor(ahead / MINUTE_MS) } } });
    filter.push({ range: { booking_horizon_days: { gte: Math.floor(ahead / DAY_MS) + 1 } } });
  }
  const byDistance: estypes.SortCombinations = { _geo_distance: { location: here, order: 'asc', unit: 'km', distance_type: 'arc' } };
  // With a travel mode, ETA is distance over one speed, so sorting by ETA is sorting by distance.
  const sort: estypes.SortCombinations[] = q.sort === 'rate' ? [{ rate_per_minute: 'asc' }, byDistance, { id: 'asc' }] : [byDistance, { id: 'asc' }];

  const response = await es.search<ResultSource>(
    {
      index: target.alias,
      size,
      query: { bool: { filter } },
      sort,
      ...(after ? { search_after: after } : {}),
      _source: RESULT_FIELDS,
      track_total_hits: false,
      filter_path: ['hits.hits._source', 'hits.hits.sort'],
    },
    { requestTimeout: target.timeoutMs },
  );
  return (response.hits?.hits ?? []) as unknown as SearchHit[];
}

/** The whole document of one professional, or undefined when there is none. */
export async function getProfessionalDocument(es: ElasticsearchClient, target: ReadModel, id: string): Promise<ProfessionalDocument | undefined> {
  try {
    return (await es.get<ProfessionalDocument>({ index: target.alias, id }, { requestTimeout: target.timeoutMs }))._source;
  } catch (err) {
    // found: false is an unknown id; any other 404 (index_not_found: no alias) is an outage of the read model.
    if (err instanceof errors.ResponseError && (err.body as { found?: unknown } | undefined)?.found === false) return undefined;
    throw err;
  }
}

/** What the slots endpoint reads of one professional, or undefined when there is none. */
export type SlotsSource = Pick<ProfessionalDocument, 'id' | 'active' | 'time_zone' | 'availability'>;

export async function getSlotsSource(es: ElasticsearchClient, target: ReadModel, id: string): Promise<SlotsSource | undefined> {
  try {
    const response = await es.get<SlotsSource>(
      { index: target.alias, id, _source_includes: ['id', 'active', 'time_zone', 'availability'] },
      { requestTimeout: target.timeoutMs },
    );
    return response._source;
  } catch (err) {
    if (err instanceof errors.ResponseError && (err.body as { found?: unknown } | undefined)?.found === false) return undefined;
    throw err;
  }
}

/** Elasticsearch is down, overloaded or missing its index: the caller answers 503 rather than 500. */
export function isElasticsearchUnavailable(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) return true;
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const type = (err.body as { error?: { type?: string } } | undefined)?.error?.type;
    return status >= 500 || status === 429 || type === 'index_not_found_exception';
  }
  return false;
}
