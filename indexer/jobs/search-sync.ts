import type { Job, JobResult } from 'pg-boss';
import { ensureAlias } from '../../shared/search/professionals-index.ts';
import { syncProfessionals } from '../../shared/search/sync-professionals.ts';
import type { IndexerDeps } from '../deps.ts';

/** What the command side enqueues with every change (shared/queue.ts enqueueSearchSync). */
export interface SearchSyncJob {
  professional_id: string;
  /** ms since the epoch, taken inside the transaction that committed the change */
  enqueued_at: number;
}

/**
 * Syncs a batch of professionals in one snapshot and one bulk request, then settles each job on its own:
 * a professional Elasticsearch refused is retried (with the queue's backoff) without redoing the others.
 * No `refresh: 'wait_for'`: waiting for the refresh would hold each worker up to 500 ms per batch, and under
 * a steady stream of bookings new jobs would queue behind it (measured: freshness p95 > 1 s). The index
 * refreshes every 500 ms by itself, so a change is searchable at most that long after the lag measured here.
 */
export function createSearchSyncHandler(deps: IndexerDeps) {
  const { alias } = deps.config.elasticsearch;
  let aliasReady: Promise<void> | undefined;
  const ensureAliasOnce = () => {
    aliasReady ??= ensureAlias(deps.es, alias).catch((err: unknown) => {
      aliasReady = undefined; // Elasticsearch may be down at start-up: try again with the next batch
      throw err;
    });
    return aliasReady;
  };

  return async (jobs: Job<SearchSyncJob>[]): Promise<JobResult[]> => {
    const hasId = (job: Job<SearchSyncJob>) => typeof job.data?.professional_id === 'string';
    const valid = jobs.filter(hasId);
    let outcomes;
    try {
      await ensureAliasOnce();
      outcomes = await syncProfessionals(
        { pool: deps.pool, es: deps.es, alias, horizonDays: deps.config.search.horizonDays },
        valid.map((job) => job.data.professional_id),
        { refresh: false },
      );
    } catch (err) {
      deps.logger.warn({ err, jobs: jobs.length }, 'search sync failed; will retry');
      deps.metrics.syncs.inc({ result: 'failed' }, jobs.length);
      return jobs.map((job) => ({ id: job.id, status: 'failed', output: { error: (err as Error).message } }));
    }
    const doneAt = Date.now();
    const results = jobs.map((job): JobResult => {
      const outcome = hasId(job) ? outcomes.get(job.data.professional_id) : undefined;
      if (!outcome) {
        deps.logger.error({ job_id: job.id, data: job.data }, 'search sync job without a professional_id');
        return { id: job.id, status: 'deadletter', output: { error: 'professional_id missing' } };
      }
      if (!outcome.ok) {
        deps.logger.warn({ professional_id: job.data.professional_id, error: outcome.error }, 'search sync refused; will retry');
        deps.metrics.syncs.inc({ result: 'failed' });
        return { id: job.id, status: 'failed', output: { error: outcome.error } };
      }
      deps.metrics.syncs.inc({ result: outcome.result });
      if (typeof job.data.enqueued_at === 'number') deps.metrics.indexLag.observe(Math.max(0, doneAt - job.data.enqueued_at) / 1000);
      return { id: job.id, status: 'completed' };
    });
    deps.logger.info({ professional_ids: valid.map((job) => job.data.professional_id) }, 'index sync');
    return results;
  };
}
