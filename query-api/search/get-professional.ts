import { fail, ok, type Result } from '../../shared/errors.ts';
import { professionalTags } from '../../shared/search/cache-tags.ts';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import type { QueryDeps } from '../deps.ts';
import { timeElasticsearch } from '../metrics.ts';
import { getProfessionalDocument, isElasticsearchUnavailable, publicProfile, readModel, type PublicProfile } from './professionals-read-model.ts';
import type { CacheStatus } from './response-cache.ts';

export interface ProfessionalDetail extends PublicProfile {
  time_zone: string;
  next_free_start?: string;
  free_ranges: Array<{ start_time: string; end_time: string }>;
}

/** One active professional as search sees it, with its free ranges from now on. */
export async function getProfessional(
  deps: QueryDeps,
  id: string,
): Promise<Result<{ body: string; etag: string; cache: CacheStatus }, 'professional_not_found' | 'search_unavailable'>> {
  try {
    const answer = await deps.cache(`doc:${id}`, professionalTags(id), async () => {
      const doc = await timeElasticsearch(deps.metrics, 'get', () => getProfessionalDocument(deps.es, readModel(deps), id));
      return doc?.active ? JSON.stringify(professionalDetail(doc, Date.now(), deps.config.search.horizonDays)) : undefined;
    });
    return answer.body === undefined ? fail('professional_not_found') : ok(answer);
  } catch (err) {
    if (!isElasticsearchUnavailable(err)) throw err;
    deps.logger.warn({ err: (err as Error).message }, 'search unavailable: Elasticsearch did not answer');
    return fail('search_unavailable');
  }
}

export function professionalDetail(doc: ProfessionalDocument, now: number, horizonDays: number): ProfessionalDetail {
  // Ranges were cut at indexing time; drop those that have ended and start a running one now (or once the
  // professional's minimum notice has passed). Documents reach a little past the search horizon: cut there.
  const earliest = new Date(now + (doc.minimum_notice_minutes ?? 0) * 60_000).toISOString();
  const horizon = new Date(now + horizonDays * 86_400_000).toISOString();
  const freeRanges = doc.free_ranges
    .filter((r) => r.lt > earliest && r.gte < horizon)
    .map((r) => ({ start_time: r.gte < earliest ? earliest : r.gte, end_time: r.lt > horizon ? horizon : r.lt }));
  return {
    ...publicProfile(doc),
    time_zone: doc.time_zone,
    ...(freeRanges[0] ? { next_free_start: freeRanges[0].start_time } : {}),
    free_ranges: freeRanges,
  };
}
