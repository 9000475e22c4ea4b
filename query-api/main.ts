import { once } from 'node:events';
import { loadConfig, type Config } from '../shared/config.ts';
import { createElasticsearchClient } from '../shared/elasticsearch.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { createRegistry } from '../shared/metrics.ts';
import { createRedis, type Redis } from '../shared/redis.ts';
import { serve } from '../shared/http/server.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';
import { createApp } from './app.ts';
import type { QueryDeps } from './deps.ts';
import { createQueryMetrics } from './metrics.ts';
import { watchIndexFeatures } from './search/index-features.ts';
import { createResponseCache, createSingleFlightCache } from './search/response-cache.ts';

export async function createRuntime(config: Config, opts: { logger?: Logger } = {}): Promise<{ deps: QueryDeps; close(): Promise<void> }> {
  const logger = opts.logger ?? createLogger({ name: 'query-api', level: config.logLevel });
  const es = createElasticsearchClient(config.elasticsearch);
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : undefined;
  if (redis) await waitUntilReady(redis, logger);
  else logger.warn('REDIS_URL is not set: using an in-process cache and per-instance rate limits');
  const registry = createRegistry('query-api');
  const metrics = createQueryMetrics(registry);
  const namespace = config.elasticsearch.alias;
  const responseCache = createResponseCache({ ttlSeconds: config.search.cacheTtlSeconds, namespace, metrics, ...(redis ? { redis } : {}) });
  const cache = createSingleFlightCache(responseCache, metrics);
  const indexFeatures = await watchIndexFeatures(es, config.elasticsearch.alias, logger);
  const deps: QueryDeps = { config, logger, es, registry, metrics, cache, indexFeatures, ...(redis ? { redis } : {}) };
  return {
    deps,
    close: async () => {
      indexFeatures.close();
      await es.close();
      responseCache.close();
      redis?.disconnect();
    },
  };
}

const REDIS_READY_TIMEOUT_MS = 2000;

/**
 * The cache is skipped while Redis is not ready, so give it a moment to connect before serving. Not
 * fatal: without Redis, search answers uncached and rate limits count per instance until it is back.
 */
async function waitUntilReady(redis: Redis, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  try {
    await once(redis, 'ready', { signal: AbortSignal.timeout(REDIS_READY_TIMEOUT_MS) });
  } catch {
    logger.warn('Redis is not reachable yet: searching uncached until it is');
  }
}

export async function start(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env, 'query-api');
  const runtime = await createRuntime(config);
  const app = createApp(runtime.deps);
  return serve(app, { port: config.ports.queryApi, host: config.host, tls: config.tls }, runtime.deps.logger, 'query-api', runtime.close);
}

if (isEntryPoint(import.meta.url)) runProcess('query-api', start);
