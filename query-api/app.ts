import type { Express } from 'express';
import { createBaseApp, finishApp } from '../shared/http/base-app.ts';
import { createRateLimiter } from '../shared/http/rate-limit.ts';
import type { QueryDeps } from './deps.ts';
import { openApiDocument } from './openapi.ts';
import { hotSearchPath } from './search/hot-search.ts';
import { createParsedSearches } from './search/search-professionals.route.ts';
import { searchRouter } from './search/search.router.ts';

export function createApp(deps: QueryDeps): Express {
  const rateLimiter = createRateLimiter({
    // namespaced by alias like the cache, so deployments sharing a Redis keep their own counters
    name: `search:${deps.config.elasticsearch.alias}`,
    perMinute: deps.config.search.rateLimitPerMinute,
    logger: deps.logger,
    ...(deps.redis ? { redis: deps.redis } : {}),
  });
  const parsed = createParsedSearches();
  const app = createBaseApp({
    logger: deps.logger,
    registry: deps.registry,
    openapi: openApiDocument,
    readiness: {
      elasticsearch: () => deps.es.cluster.health({ timeout: '1s' }),
      // search answers (uncached) without Redis, so Redis being down is reported but not "unready"
      ...(deps.redis ? { redis: { check: () => deps.redis!.ping(), critical: false as const } } : {}),
    },
    fastPath: hotSearchPath(deps, parsed, rateLimiter),
  });
  // Search answers carry an ETag computed once when their body is made (search/send-cached-answer.ts),
  // not one hashed again on every response.
  app.set('etag', false);
  app.use('/search', rateLimiter);
  app.use(searchRouter(deps, parsed));
  return finishApp(app, deps.logger);
}
