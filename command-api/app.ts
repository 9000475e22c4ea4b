import type { Express } from 'express';
import { createBaseApp, finishApp } from '../shared/http/base-app.ts';
import { createRateLimiter } from '../shared/http/rate-limit.ts';
import type { Redis } from '../shared/redis.ts';
import type { CommandDeps } from './deps.ts';
import { bookingsRouter } from './bookings/bookings.router.ts';
import { professionalsRouter } from './professionals/professionals.router.ts';
import { schedulesRouter } from './schedules/schedules.router.ts';
import { webhooksRouter } from './webhooks/webhooks.router.ts';
import { webhookEndpointsRouter } from './webhook-endpoints/webhook-endpoints.router.ts';
import { openApiDocument } from './openapi.ts';

export interface CommandAppOptions {
  /** Shared rate-limit counters; without Redis each instance counts for itself. */
  redis?: Redis;
  /** How long a running Idempotency-Key stays locked before a crashed run may be retried. */
  idempotencyLockSeconds?: number;
}

export function createApp(deps: CommandDeps, opts: CommandAppOptions = {}): Express {
  const app = createBaseApp({
    logger: deps.logger,
    registry: deps.registry,
    openapi: openApiDocument,
    trustProxy: deps.config.trustProxy,
    readiness: {
      postgres: () => deps.pool.query('SELECT 1'),
    },
  });
  // Stripe retries webhooks on its own schedule; never rate-limit them.
  app.use(webhooksRouter(deps));
  app.use(
    createRateLimiter({
      name: 'command',
      logger: deps.logger,
      perMinute: deps.config.commandRateLimitPerMinute,
      ...(opts.redis ? { redis: opts.redis } : {}),
    }),
  );
  app.use(professionalsRouter(deps));
  app.use(schedulesRouter(deps));
  app.use(bookingsRouter(deps, { idempotencyLockSeconds: opts.idempotencyLockSeconds ?? 60 }));
  app.use(webhookEndpointsRouter(deps));
  return finishApp(app, deps.logger);
}
