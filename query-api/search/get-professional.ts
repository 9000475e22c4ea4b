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
      return doc?.active ? JSON.stringify(professionalDetail(doc, new Date().toISOString())) : undefined;
    });
    return answer.body === undefined ? fail('professional_not_found') : ok(answer);
  } catch (err) {
    if (!isElasticsearchUnavailable(err)) throw err;
    deps.logger.warn({ err: (err as Error).message }, 'search unavailable: Elasticsearch did not answer');
    return fail('search_unavailable');
  }
}

export function professionalDetail(doc: ProfessionalDocument, nowIso: string): ProfessionalDetail {
  // Ranges were cut at indexing time; drop those that have ended and start a running one now.
  const freeRanges = doc.free_ranges
    .filter((r) => r.lt > nowIso)
    .map((r) => ({ start_time: r.gte < nowIso ? nowIso : r.gte, end_time: r.lt }));
  return {
    ...publicProfile(doc),
    time_zone: doc.time_zone,
    ...(freeRanges[0] ? { next_free_start: freeRanges[0].start_time } : {}),
    free_ranges: freeRanges,
  };
}
