import { Counter, Histogram, type Registry } from 'prom-client';

export type IndexerMetrics = ReturnType<typeof createIndexerMetrics>;

export function createIndexerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    indexLag: new Histogram({
      name: 'search_index_lag_seconds',
      help: 'From the commit that enqueued a search sync to the document being written (searchable at most one refresh_interval, 500 ms, later)',
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    syncs: new Counter({
      name: 'search_sync_total',
      help: 'Search sync jobs by result (indexed, stale, removed, failed)',
      labelNames: ['result'],
      registers,
    }),
  };
}
