import { loadConfig, type Config } from '../shared/config.ts';
import { createPool } from '../shared/db/pool.ts';
import { createElasticsearchClient } from '../shared/elasticsearch.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { createRegistry } from '../shared/metrics.ts';
import { createRedis } from '../shared/redis.ts';
import { createBoss, startBoss } from '../shared/queue.ts';
import { serve } from '../shared/http/server.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';
import { ensureAlias } from '../shared/search/professionals-index.ts';
import { createApp } from './app.ts';
import type { IndexerDeps } from './deps.ts';
import { createIndexerMetrics } from './metrics.ts';
import { startIndexerWorkers } from './jobs/workers.ts';
import { createCacheInvalidator } from './jobs/cache-invalidator.ts';

export async function createRuntime(config: Config, opts: { logger?: Logger; workers?: boolean } = {}): Promise<{ deps: IndexerDeps; close(): Promise<void> }> {
  const logger = opts.logger ?? createLogger({ name: 'indexer', level: config.logLevel });
  // Longer than the APIs' bound: the indexer's snapshot reads cover many professionals at once.
  const pool = createPool(config.database, 'indexer', { logger, queryTimeoutMs: 30_000 });
  const boss = createBoss(config, logger);
  await startBoss(boss);
  const es = createElasticsearchClient(config.elasticsearch);
  const registry = createRegistry('indexer');
  const metrics = createIndexerMetrics(registry);
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : undefined;
  const invalidator = createCacheInvalidator({
    namespace: config.elasticsearch.alias,
    logger,
    onError: () => metrics.cacheInvalidationFailures.inc(),
    ...(redis ? { redis } : {}),
  });
  const deps: IndexerDeps = { config, logger, pool, boss, es, registry, metrics, invalidator, ...(redis ? { redis } : {}) };
  try {
    await ensureAlias(es, config.elasticsearch.alias);
  } catch (err) {
    // Not fatal: the sync worker creates the alias before its first batch once Elasticsearch answers.
    logger.warn({ err }, 'could not make sure the search alias exists; will retry with the first sync');
  }
  if (opts.workers !== false) await startIndexerWorkers(deps);
  return {
    deps,
    close: async () => {
      await boss.stop({ graceful: true, timeout: 10_000 });
      await pool.end();
      await es.close();
      invalidator.close();
      redis?.disconnect();
    },
  };
}

export async function start(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env, 'indexer');
  const runtime = await createRuntime(config);
  const app = createApp(runtime.deps);
  return serve(app, { port: config.ports.indexer, host: config.host, tls: config.tls }, runtime.deps.logger, 'indexer', runtime.close);
}

if (isEntryPoint(import.meta.url)) runProcess('indexer', start);
