import { QUEUES, type ReadModelSyncJob } from '../../shared/queue.ts';
import type { IndexerDeps } from '../deps.ts';
import { scheduleFreeRangesRefresh } from './free-ranges-refresh.ts';
import { scheduleReconciliation } from './reconcile-read-model.ts';
import { createReadModelSyncHandler } from './read-model-sync.ts';

/** Registers the indexer's read-model sync workers, the periodic free-ranges refresh and the reconciler. */
export async function startIndexerWorkers(deps: IndexerDeps): Promise<void> {
  await deps.boss.work<ReadModelSyncJob>(
    QUEUES.readModelSync,
    {
      batchSize: 50,
      // Each batch waits up to one refresh interval for its writes to become searchable (mostly idle).
      localConcurrency: 4,
      perJobResults: true,
      burstWhenBatchFull: true,
      // NOTIFY wakes the workers for new jobs; retries (after an outage) are found by this poll.
      notifyPollingIntervalSeconds: 2,
      pollingIntervalSeconds: 1,
    },
    createReadModelSyncHandler(deps),
  );
  await scheduleFreeRangesRefresh(deps);
  await scheduleReconciliation(deps);
}
