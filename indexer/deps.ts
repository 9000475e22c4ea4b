import type { Registry } from 'prom-client';
import type { Config } from '../shared/config.ts';
import type { Pool } from '../shared/db/pool.ts';
import type { ElasticsearchClient } from '../shared/elasticsearch.ts';
import type { Logger } from '../shared/logger.ts';
import type { PgBoss } from '../shared/queue.ts';
import type { Redis } from '../shared/redis.ts';
import type { CacheInvalidator } from './jobs/cache-invalidator.ts';
import type { IndexerMetrics } from './metrics.ts';

export interface IndexerDeps {
  config: Config;
  logger: Logger;
  pool: Pool;
  boss: PgBoss;
  es: ElasticsearchClient;
  registry: Registry;
  metrics: IndexerMetrics;
  /** Shared with query-api: the search cache that syncs invalidate. */
  redis?: Redis;
  invalidator: CacheInvalidator;
}
