import type { Express } from 'express';
import { createBaseApp, finishApp } from '../shared/http/base-app.ts';
import type { QueryDeps } from './deps.ts';
import { openApiDocument } from './openapi.ts';

export function createApp(deps: QueryDeps): Express {
  const app = createBaseApp({
    logger: deps.logger,
    registry: deps.registry,
    openapi: openApiDocument,
    readiness: {
      elasticsearch: () => deps.es.cluster.health({ timeout: '1s' }),
      ...(deps.redis ? { redis: () => deps.redis!.ping() } : {}),
    },
  });
  return finishApp(app, deps.logger);
}
