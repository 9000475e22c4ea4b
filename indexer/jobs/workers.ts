import { QUEUES } from '../../shared/queue.ts';
import type { IndexerDeps } from '../deps.ts';
import { scheduleFreeRangesRefresh } from './free-ranges-refresh.ts';
import { createSearchSyncHandler, type SearchSyncJob } from './search-sync.ts';

/** Registers the indexer's search-sync workers and the periodic free-ranges refresh. */
export async function startIndexerWorkers(deps: IndexerDeps): Promise<void> {
  await deps.boss.work<SearchSyncJob>(
    QUEUES.searchSync,
    {
      batchSize: 50,
      localConcurrency: 2,
      perJobResults: true,
      burstWhenBatchFull: true,
      // NOTIFY wakes the workers for new jobs; retries (after an outage) are found by this poll.
      notifyPollingIntervalSeconds: 2,
      pollingIntervalSeconds: 1,
    },
    createSearchSyncHandler(deps),
  );
  await scheduleFreeRangesRefresh(deps);
}
