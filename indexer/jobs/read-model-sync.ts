import type { Job, JobResult } from 'pg-boss';
import { QUEUES, type ReadModelSyncJob } from '../../shared/queue.ts';
import { changeTags, type IndexedView } from '../../shared/search/cache-tags.ts';
import { ensureAlias } from '../../shared/search/professionals-index.ts';
import { indexProfessionals } from '../read-model/index-professionals.ts';
import type { IndexerDeps } from '../deps.ts';

const VIEW_FIELDS = ['name', 'category', 'rate_per_minute', 'currency', 'location', 'travel_modes', 'active', 'next_free_start', 'free_ranges'];

/**
 * Consumes read-model-sync jobs in batches. Every change sends its own job and none is dropped when
 * sent, so a change that commits while an earlier sync of the same professional is queued or running has
 * a job of its own, fetched only after the commit, whose snapshot therefore includes it. Jobs are
 * coalesced here instead: a batch syncs each professional once, from one snapshot, in one bulk request.
 * Concurrent batches may sync one professional twice; the external version (search_version) lets only
 * the newest snapshot win.
 *
 * The bulk request waits for the refresh that makes it searchable (`refresh: wait_for`, at most the
 * index's refresh_interval), then the cached search answers the change touched are invalidated: never
 * earlier, or an old answer could be cached again from a not yet refreshed index. Waiting holds a
 * worker, so several batches run at once (the queue's localConcurrency).
 *
 * A professional Elasticsearch refused is retried (with the queue's backoff) without redoing the others.
 */
export function createReadModelSyncHandler(deps: IndexerDeps) {
  const { alias } = deps.config.elasticsearch;
  let aliasReady: Promise<void> | undefined;
  const ensureAliasOnce = () => {
    aliasReady ??= ensureAlias(deps.es, alias).catch((err: unknown) => {
      aliasReady = undefined; // Elasticsearch may be down at start-up: try again with the next batch
      throw err;
    });
    return aliasReady;
  };

  return async (jobs: Job<ReadModelSyncJob>[]): Promise<JobResult[]> => {
    const hasId = (job: Job<ReadModelSyncJob>) => typeof job.data?.professional_id === 'string';
    const ids = [...new Set(jobs.filter(hasId).map((job) => job.data.professional_id))];
    let synced;
    const now = new Date();
    try {
      await ensureAliasOnce();
      const before = await indexedViews(deps, ids);
      synced = await indexProfessionals({ pool: deps.pool, es: deps.es, alias, horizonDays: deps.config.search.horizonDays }, ids, {
        refresh: 'wait_for',
        now,
      });
      const tags = new Set<string>();
      for (const id of ids) {
        const outcome = synced.outcomes.get(id);
        if (outcome?.ok && outcome.result !== 'stale') for (const tag of changeTags(id, before.get(id), synced.documents.get(id), now)) tags.add(tag);
      }
      await deps.invalidator.invalidate([...tags]);
    } catch (err) {
      deps.logger.warn({ err, jobs: jobs.length }, 'read model sync failed; will retry');
      deps.metrics.syncs.inc({ result: 'failed' }, jobs.length);
      return jobs.map((job) => ({ id: job.id, status: 'failed', output: { error: (err as Error).message } }));
    }
    const doneAt = Date.now();
    const results = jobs.map((job): JobResult => {
      const outcome = hasId(job) ? synced.outcomes.get(job.data.professional_id) : undefined;
      if (!outcome) {
        deps.logger.error({ job_id: job.id, data: job.data }, 'read model sync job without a professional_id');
        return { id: job.id, status: 'deadletter', output: { error: 'professional_id missing' } };
      }
      if (!outcome.ok) {
        deps.logger.warn({ professional_id: job.data.professional_id, error: outcome.error }, 'read model sync refused; will retry');
        deps.metrics.syncs.inc({ result: 'failed' });
        return { id: job.id, status: 'failed', output: { error: outcome.error } };
      }
      deps.metrics.syncs.inc({ result: outcome.result });
      if (typeof job.data.enqueued_at === 'number') deps.metrics.indexLag.observe(Math.max(0, doneAt - job.data.enqueued_at) / 1000);
      return { id: job.id, status: 'completed' };
    });
    deps.logger.info({ professional_ids: ids, jobs: jobs.length }, 'index sync');
    return results;
  };
}

/** What search showed of these professionals before this sync (realtime gets: written, if not yet refreshed). */
async function indexedViews(deps: IndexerDeps, ids: readonly string[]): Promise<Map<string, IndexedView>> {
  if (ids.length === 0) return new Map();
  const { docs } = await deps.es.mget<IndexedView>({ index: deps.config.elasticsearch.alias, ids: [...ids], _source_includes: VIEW_FIELDS });
  const views = new Map<string, IndexedView>();
  for (const doc of docs) if ('found' in doc && doc.found && doc._source) views.set(doc._id, doc._source);
  return views;
}

const INSERT_CHUNK = 1000;

/** Sends a sync job for each of these professionals (for the indexer's own reasons: time passing, reconciliation). */
export async function requestSyncs(deps: Pick<IndexerDeps, 'boss'>, ids: readonly string[]): Promise<void> {
  const enqueuedAt = Date.now();
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    await deps.boss.insert(
      QUEUES.readModelSync,
      ids.slice(i, i + INSERT_CHUNK).map((id) => ({ data: { professional_id: id, enqueued_at: enqueuedAt } satisfies ReadModelSyncJob })),
    );
  }
}
