import type { TravelMode } from '../../shared/config.ts';
import { searchTags } from '../../shared/search/cache-tags.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { QueryDeps } from '../deps.ts';
import { timeElasticsearch } from '../metrics.ts';
import type { CacheStatus } from './response-cache.ts';
import {
  isElasticsearchUnavailable,
  publicProfile,
  readModel,
  searchProfessionalIndex,
  type PublicProfile,
  type SearchHit,
} from './professionals-read-model.ts';
import { cacheKey, canonicalQuery, encodeCursor, type SearchAfter, type SearchQuery } from './search-query.ts';

export interface SearchResultRow extends PublicProfile {
  distance_km: number;
  eta_minutes: number;
  next_free_start?: string;
}

/** A valid search with everything derived from the query alone: its canonical form, cache key and tags. */
export interface ParsedSearch {
  q: SearchQuery;
  canonical: string;
  after: SearchAfter | undefined;
  key: string;
  tags: readonly string[];
}

export function parsedSearch(q: SearchQuery, after: SearchAfter | undefined): ParsedSearch {
  const canonical = canonicalQuery(q);
  return { q, canonical, after, key: cacheKey(canonical, q), tags: searchTags(q) };
}

/**
 * One page of search results as a serialized body, from the cache or from Elasticsearch. The body is
 * cached as the exact bytes sent, so a hit costs no JSON work at all.
 */
export async function searchProfessionals(
  deps: QueryDeps,
  { q, canonical, after, key, tags }: ParsedSearch,
): Promise<Result<{ body: string; etag: string; cache: CacheStatus }, 'search_unavailable'>> {
  try {
    const answer = await deps.cache(key, tags, () => searchPage(deps, q, canonical, after));
    if (answer.body === undefined) throw new Error('a search fill always yields a page');
    return ok(answer);
  } catch (err) {
    if (!isElasticsearchUnavailable(err)) throw err;
    deps.logger.warn({ err: (err as Error).message }, 'search unavailable: Elasticsearch did not answer');
    return fail('search_unavailable');
  }
}

async function searchPage(deps: QueryDeps, q: SearchQuery, canonical: string, after: SearchAfter | undefined): Promise<string> {
  // One extra hit tells whether there is a next page, so the last page never links to an empty one.
  const nowMs = Date.now();
  const hits = await timeElasticsearch(deps.metrics, 'search', () => searchProfessionalIndex(deps.es, readModel(deps), q, q.limit + 1, after, nowMs));
  const more = hits.length > q.limit;
  const page = more ? hits.slice(0, q.limit) : hits;
  const now = nowMs;
  const speeds = deps.config.search.speedsKmh;
  const data = page.map((hit) => resultRow(hit, q, speeds, now));
  const last = page[page.length - 1];
  return JSON.stringify({ data, page: { limit: q.limit, next_cursor: more && last ? encodeCursor(canonical, last.sort) : null } });
}

export function resultRow(hit: SearchHit, q: SearchQuery, speedsKmh: Record<TravelMode, number>, now: number): SearchResultRow {
  const s = hit._source;
  const distanceKm = (q.sort === 'rate' ? hit.sort[1] : hit.sort[0]) as number;
  // Without a requested mode, the ETA is that of the fastest mode the professional offers.
  const speed = q.travel_mode ? speedsKmh[q.travel_mode] : Math.max(...s.travel_modes.map((mode) => speedsKmh[mode]));
  const row: SearchResultRow = {
    ...publicProfile(s),
    distance_km: Math.round(distanceKm * 1000) / 1000,
    eta_minutes: Math.ceil((distanceKm / speed) * 60),
  };
  // Free ranges start when they were indexed; one that has begun since means "free once the notice has passed".
  if (s.next_free_start) {
    const earliest = now + (s.minimum_notice_minutes ?? 0) * 60_000;
    row.next_free_start = Date.parse(s.next_free_start) < earliest ? new Date(earliest).toISOString() : s.next_free_start;
  }
  return row;
}
