import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type IndexerMetrics = ReturnType<typeof createIndexerMetrics>;

export function createIndexerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    indexLag: new Histogram({
      name: 'search_index_lag_seconds',
      help: 'From the commit that enqueued a read-model sync to the document being searchable (the bulk write waits for the refresh)',
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    cacheInvalidationFailures: new Counter({
      name: 'search_cache_invalidation_failures_total',
      help: 'Search cache invalidations that could not reach Redis (the whole cache is invalidated once it answers)',
      registers,
    }),
    divergentDocuments: new Gauge({
      name: 'search_read_model_divergent_documents',
      // the same value on every instance: not summed across a cluster
      aggregator: 'max',
      help: 'Documents whose search_version differed from PostgreSQL at the last reconciliation (each re-synced)',
      registers,
    }),
    reconciliations: new Counter({
      name: 'search_read_model_reconciliations_total',
      help: 'Reconciliations of the read model with PostgreSQL, by result (ok, failed)',
      labelNames: ['result'],
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
