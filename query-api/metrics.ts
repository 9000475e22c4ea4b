import { Counter, Histogram, type Registry } from 'prom-client';

export type QueryMetrics = ReturnType<typeof createQueryMetrics>;

export function createQueryMetrics(registry: Registry) {
  const registers = [registry];
  return {
    cache: new Counter({
      name: 'search_cache_total',
      help: 'Search cache lookups: hit, miss, or coalesced (served by an identical request already in flight, on this instance or another)',
      labelNames: ['result'],
      registers,
    }),
    cacheErrors: new Counter({ name: 'search_cache_errors_total', help: 'Cache reads and writes that failed (the request went on uncached)', registers }),
    elasticsearch: new Histogram({
      name: 'search_elasticsearch_duration_seconds',
      help: 'Elasticsearch request latency from the query API, by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers,
    }),
    elasticsearchErrors: new Counter({
      name: 'search_elasticsearch_errors_total',
      help: 'Elasticsearch requests that failed, by operation',
      labelNames: ['operation'],
      registers,
    }),
  };
}

/** Runs one Elasticsearch request, recording its latency and counting its failure. */
export async function timeElasticsearch<T>(metrics: QueryMetrics, operation: 'search' | 'get', request: () => Promise<T>): Promise<T> {
  const end = metrics.elasticsearch.startTimer({ operation });
  try {
    const result = await request();
    end({ outcome: 'ok' });
    return result;
  } catch (err) {
    end({ outcome: 'error' });
    metrics.elasticsearchErrors.inc({ operation });
    throw err;
  }
}
