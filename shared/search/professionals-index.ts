import type { ElasticsearchClient } from '../elasticsearch.ts';

/**
 * One shard is plenty for this corpus (100k small documents) and keeps sorting and search_after cheap.
 * refresh_interval 100 ms: the indexer's bulk writes wait for the refresh that makes them searchable
 * (`wait_for`) before invalidating cached answers, and that wait was measured at about one whole interval;
 * a short interval keeps commit → searchable well inside the 1 s freshness target, while the number of
 * refreshes (and small segments) stays bounded however many writes there are, unlike a forced refresh per
 * write. Setting it explicitly also turns off search-idle, which would make the first search after a pause wait.
 */
export const REFRESH_INTERVAL = '100ms';

export const INDEX_SETTINGS = {
  number_of_shards: 1,
  auto_expand_replicas: '0-1',
  refresh_interval: REFRESH_INTERVAL,
} as const;

/**
 * Features of an index's documents that searches may rely on, in its mapping's `_meta`. An index built
 * before a feature existed lacks it (adding the field to its mapping does not fill old documents), and
 * searches do without until a reindex.
 */
export const INDEX_FEATURES = { geo_cells: true } as const;

export const INDEX_MAPPINGS = {
  _meta: INDEX_FEATURES,
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    name: { type: 'text' },
    category: { type: 'keyword' },
    rate_per_minute: { type: 'integer' },
    currency: { type: 'keyword' },
    location: { type: 'geo_point' },
    // shared/search/geo-cells.ts: where a search's candidates come from
    geo_cells: { type: 'keyword' },
    travel_modes: { type: 'keyword' },
    time_zone: { type: 'keyword', index: false },
    active: { type: 'boolean' },
    free_ranges: { type: 'date_range' },
    next_free_start: { type: 'date' },
    next_free_end: { type: 'date' },
    minimum_notice_minutes: { type: 'integer' },
    booking_horizon_days: { type: 'integer' },
    // Kept in _source only (not indexed, no doc values): the schedule, windows and blocked ranges for slots.
    availability: { type: 'object', enabled: false },
    search_version: { type: 'long' },
    indexed_at: { type: 'date' },
  },
} as const;

/** `<alias>_<UTC timestamp>`, e.g. professionals_20251124010203123: sortable, unique per reindex. */
export function timestampedIndexName(alias: string, now = new Date()): string {
  return `${alias}_${now.toISOString().replace(/\D/g, '')}`;
}

/**
 * Makes sure the alias exists, creating it with a first index when missing. The first index has a fixed
 * name so that two indexers starting together cannot leave the alias on two indices (one create wins,
 * the other gets resource_already_exists).
 */
export async function ensureAlias(es: ElasticsearchClient, alias: string): Promise<void> {
  if (await es.indices.existsAlias({ name: alias })) {
    // Fields added since the index was built (adding fields is always allowed; changing one needs a reindex),
    // and the refresh interval in force now.
    await es.indices.putMapping({ index: alias, properties: INDEX_MAPPINGS.properties });
    await es.indices.putSettings({ index: alias, settings: { refresh_interval: REFRESH_INTERVAL } });
    return;
  }
  const index = `${alias}_0`;
  try {
    await es.indices.create({ index, settings: INDEX_SETTINGS, mappings: INDEX_MAPPINGS, aliases: { [alias]: {} } });
  } catch (err) {
    if (errorType(err) !== 'resource_already_exists_exception') throw err;
    if (!(await es.indices.existsAlias({ name: alias }))) {
      throw new Error(`Index ${index} exists but alias ${alias} does not point to it; run \`npm run reindex\` to rebuild the alias.`);
    }
  }
}

/** The concrete indices the alias points to now. */
export async function aliasIndices(es: ElasticsearchClient, alias: string): Promise<string[]> {
  const response = await es.indices.getAlias({ name: alias }, { ignore: [404] });
  return Object.keys(response).filter((key) => key !== 'error' && key !== 'status');
}

/** Elasticsearch's error type (e.g. version_conflict_engine_exception) of a failed request, if any. */
export function errorType(err: unknown): string | undefined {
  const body = (err as { meta?: { body?: { error?: { type?: unknown } } } })?.meta?.body;
  const type = body?.error?.type;
  return typeof type === 'string' ? type : undefined;
}
