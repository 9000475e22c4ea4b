import type { Express } from 'express';
import path from 'node:path';
import http from 'node:http';
import { loadConfig, type Config } from '../../shared/config.ts';
import { signToken, type Role } from '../../shared/auth.ts';
import { createLogger } from '../../shared/logger.ts';
import { createApp as createCommandApp } from '../../command-api/app.ts';
import { createRuntime as createCommandRuntime } from '../../command-api/main.ts';
import { createApp as createQueryApp } from '../../query-api/app.ts';
import { createRuntime as createQueryRuntime } from '../../query-api/main.ts';
import { createApp as createIndexerApp } from '../../indexer/app.ts';
import { createRuntime as createIndexerRuntime } from '../../indexer/main.ts';
import type { CommandDeps } from '../../command-api/deps.ts';
import type { QueryDeps } from '../../query-api/deps.ts';
import type { IndexerDeps } from '../../indexer/deps.ts';
import { startStripeStandIn, type StripeStandIn } from '../stand-ins/stripe-stand-in.ts';
import { startMailSink, type MailSink } from '../stand-ins/mail-sink.ts';
import { freshAlias, freshDatabase, services } from './services.ts';

export interface TestSystem {
  config: Config;
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  stripe: StripeStandIn;
  mail: MailSink;
  command?: { app: Express; deps: CommandDeps; url: string };
  query?: { app: Express; deps: QueryDeps; url: string };
  indexer?: { app: Express; deps: IndexerDeps };
  token(role: Role, sub: string, extra?: { email?: string; professional_id?: string }): Promise<string>;
  close(): Promise<void>;
}

export interface TestSystemOptions {
  command?: boolean;
  /** Run the command side's background jobs (holds, Stripe events, emails). */
  commandWorkers?: boolean;
  query?: boolean;
  indexer?: boolean;
  /** Run the indexer's read-model-sync workers. */
  indexerWorkers?: boolean;
  /** Extra environment variables, e.g. HOLD_MINUTES. */
  env?: Record<string, string>;
  /** Lock time of a running Idempotency-Key (seconds). */
  idempotencyLockSeconds?: number;
}

/**
 * Starts the apps of the system in this process, on port 0, against a fresh database, a fresh
 * Elasticsearch alias, the shared Redis, a Stripe stand-in and a mail sink of their own.
 */
export async function startTestSystem(opts: TestSystemOptions = {}): Promise<TestSystem> {
  const s = services();
  const db = await freshDatabase();
  const mail = await startMailSink({ dir: path.join(s.tmpDir, 'mail', db.name) });
  const stripe = await startStripeStandIn({ webhookSecret: s.stripeWebhookSecret });
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    ELASTICSEARCH_URL: s.elasticsearch.url,
    ELASTICSEARCH_INDEX_ALIAS: freshAlias(),
    REDIS_URL: s.redis.url,
    AUTH_JWT_SECRET: s.jwtSecret,
    STRIPE_SECRET_KEY: 'sk_test_stand_in',
    STRIPE_WEBHOOK_SECRET: s.stripeWebhookSecret,
    STRIPE_API_URL: stripe.url,
    STRIPE_TIMEOUT_MS: '3000',
    SMTP_URL: mail.smtpUrl,
    MAIL_FROM: 'Bookings <bookings@test.local>',
    PGBOSS_SCHEMA: 'pgboss',
    // Every test system counts 127.0.0.1 in the one shared Redis: the whole suite's traffic, not one
    // test's, would hit the production default. A test of the limit itself sets its own.
    COMMAND_RATE_LIMIT_PER_MIN: '1000000',
    ...opts.env,
  };
  const config = loadConfig(env, 'script');
  const logger = createLogger({ name: 'test', level: env.LOG_LEVEL! });
  const closers: Array<() => Promise<void>> = [];
  const system: TestSystem = {
    config,
    env,
    databaseUrl: db.url,
    stripe,
    mail,
    token: (role, sub, extra = {}) => signToken(s.jwtSecret, { sub, role, ...extra }),
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
      await stripe.stop();
      await mail.stop();
      await db.drop().catch(() => {});
    },
  };
  try {
    if (opts.indexer || opts.indexerWorkers) {
      const runtime = await createIndexerRuntime(config, { logger, workers: opts.indexerWorkers ?? true });
      closers.push(runtime.close);
      system.indexer = { app: createIndexerApp(runtime.deps), deps: runtime.deps };
    }
    if (opts.command || opts.commandWorkers) {
      const runtime = await createCommandRuntime(config, { logger, workers: opts.commandWorkers ?? false });
      closers.push(runtime.close);
      const app = createCommandApp(runtime.deps, { ...runtime.appOptions, idempotencyLockSeconds: opts.idempotencyLockSeconds ?? 60 });
      const url = await serve(app, closers);
      stripe.setWebhookUrl(`${url}/webhooks/stripe`);
      system.command = { app, deps: runtime.deps, url };
    }
    if (opts.query) {
      const runtime = await createQueryRuntime(config, { logger });
      closers.push(runtime.close);
      const app = createQueryApp(runtime.deps);
      system.query = { app, deps: runtime.deps, url: await serve(app, closers) };
    }
  } catch (err) {
    await system.close();
    throw err;
  }
  return system;
}

/** Listens on a free port (the Stripe stand-in needs a real URL to deliver webhooks to). */
async function serve(app: Express, closers: Array<() => Promise<void>>): Promise<string> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}
