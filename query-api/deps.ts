import type { Registry } from 'prom-client';
import type { Config } from '../shared/config.ts';
import type { ElasticsearchClient } from '../shared/elasticsearch.ts';
import type { Logger } from '../shared/logger.ts';
import type { Redis } from '../shared/redis.ts';

export interface QueryDeps {
  config: Config;
  logger: Logger;
  es: ElasticsearchClient;
  /** Cache and rate-limit counters; absent → in-process cache, per-instance limits. */
  redis?: Redis;
  registry: Registry;
}
