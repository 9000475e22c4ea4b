import type { Registry } from 'prom-client';
import type { Config } from '../shared/config.ts';
import type { ElasticsearchClient } from '../shared/elasticsearch.ts';
import type { Logger } from '../shared/logger.ts';
import type { Redis } from '../shared/redis.ts';
import type { QueryMetrics } from './metrics.ts';
import type { IndexFeatures } from './search/index-features.ts';
import type { SingleFlightCache } from './search/response-cache.ts';

export interface QueryDeps {
  config: Config;
  logger: Logger;
  es: ElasticsearchClient;
  /** Cache and rate-limit counters; absent → in-process cache, per-instance limits. */
  redis?: Redis;
  registry: Registry;
  metrics: QueryMetrics;
  /** What the documents behind the alias can be searched by. */
  indexFeatures: IndexFeatures;
  /** Response cache with single flight (Redis, in-process LRU, or none at TTL 0). */
  cache: SingleFlightCache;
}
