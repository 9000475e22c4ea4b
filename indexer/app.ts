import type { Express } from 'express';
import { createBaseApp, finishApp } from '../shared/http/base-app.ts';
import type { IndexerDeps } from './deps.ts';

/** The indexer serves only health and metrics. */
export function createApp(deps: IndexerDeps): Express {
  const app = createBaseApp({
    logger: deps.logger,
    registry: deps.registry,
    readiness: {
      postgres: () => deps.pool.query('SELECT 1'),
      elasticsearch: () => deps.es.cluster.health({ timeout: '1s' }),
    },
  });
  return finishApp(app, deps.logger);
}
