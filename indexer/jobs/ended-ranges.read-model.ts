import type { ElasticsearchClient } from '../../shared/elasticsearch.ts';

const PAGE = 5000;

/**
 * Professionals whose indexed first free range has ended by `now`: their next_free_start is stale,
 * whatever moved it (a window or weekly hours ending, a booking starting to block). Read from the
 * index itself (`next_free_end` is indexed), so weekly hours need no time-zone work in SQL.
 */
export async function professionalsWithEndedFirstRange(es: ElasticsearchClient, alias: string, now: Date): Promise<string[]> {
  const ids: string[] = [];
  let after: string[] | undefined;
  for (;;) {
    const response = await es.search<never>({
      index: alias,
      size: PAGE,
      query: { bool: { filter: [{ range: { next_free_end: { lte: now.toISOString() } } }] } },
      sort: [{ id: 'asc' }],
      ...(after ? { search_after: after } : {}),
      _source: false,
      track_total_hits: false,
      filter_path: ['hits.hits._id', 'hits.hits.sort'],
    });
    const hits = response.hits?.hits ?? [];
    for (const hit of hits) ids.push(hit._id!);
    if (hits.length < PAGE) return ids;
    after = hits[hits.length - 1]!.sort as string[];
  }
}
