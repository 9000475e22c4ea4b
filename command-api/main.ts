import nodemailer from 'nodemailer';
import { createTokenVerifier } from '../shared/auth.ts';
import { loadConfig, type Config } from '../shared/config.ts';
import { createPool } from '../shared/db/pool.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { createRegistry, Gauge } from '../shared/metrics.ts';
import { createBoss, startBoss } from '../shared/queue.ts';
import { createRedis } from '../shared/redis.ts';
import { serve } from '../shared/http/server.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';
import { createApp, type CommandAppOptions } from './app.ts';
import type { CommandDeps } from './deps.ts';
import { createCommandMetrics } from './metrics.ts';
import { createStripeClient } from './payments/stripe-client.ts';
import { createStripeGateway } from './payments/payment-gateway.ts';
import { startWorkers } from './workers.ts';
import { JOB_BATCH_SIZE } from './payments/payment-workers.ts';

/** A request whose query gets no answer for this long is answered 503 (a paused or unreachable PostgreSQL). */
const QUERY_TIMEOUT_MS = 5000;

/** Two job queues run JOB_BATCH_SIZE jobs each at most, plus the hold jobs. */
const WORKER_POOL_MAX = 2 * JOB_BATCH_SIZE + 2;

export interface CommandRuntime {
  deps: CommandDeps;
  appOptions: CommandAppOptions;
  close(): Promise<void>;
}

/** Connects everything the command side needs; `workers: false` gives an API-only instance. */
export async function createRuntime(config: Config, opts: { logger?: Logger; workers?: boolean } = {}): Promise<CommandRuntime> {
  const logger = opts.logger ?? createLogger({ name: 'command-api', level: config.logLevel });
  const pool = createPool(config.database, 'command-api', { logger, queryTimeoutMs: QUERY_TIMEOUT_MS });
  const boss = createBoss(config, logger);
  await startBoss(boss);
  const registry = createRegistry('command-api');
  const metrics = createCommandMetrics(registry);
  // Short timeouts: the sender holds a database lock while SMTP answers (nodemailer waits 10 min by default).
  // Pooled: a burst of confirmations reuses a few open SMTP sessions instead of one handshake each.
  const mailer = nodemailer.createTransport(
    { url: config.mail.smtpUrl, pool: true, maxConnections: 5, maxMessages: 500, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from: config.mail.from },
  );
  const stripe = createStripeClient(config.stripe);
  const deps: CommandDeps = {
    config,
    logger,
    pool,
    boss,
    registry,
    metrics,
    mailer,
    stripe,
    payments: createStripeGateway(stripe, metrics, logger),
    now: () => new Date(),
    verifyToken: createTokenVerifier(config.auth),
  };
  new Gauge({
    name: 'queue_depth_jobs',
    // the same value on every instance: not summed across a cluster
    aggregator: 'max',
    help: 'Jobs waiting per queue (created or retry)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      // While PostgreSQL is away /metrics still answers, with the last depths known.
      const queues = await boss.getQueues().catch(() => []);
      for (const q of queues) this.set({ queue: q.name }, q.queuedCount);
    },
  });
  // The workers get connections of their own, so a burst of jobs never makes requests wait for one.
  const workerPool =
    opts.workers === false
      ? undefined
      : createPool({ ...config.database, poolMax: WORKER_POOL_MAX }, 'command-api-workers', { logger, queryTimeoutMs: QUERY_TIMEOUT_MS });
  if (workerPool) await startWorkers({ ...deps, pool: workerPool });
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : undefined;
  return {
    deps,
    appOptions: redis ? { redis } : {},
    // Called once the HTTP server has stopped taking requests and drained: workers finish their jobs
    // (others are handed back to the queue), then the connections close.
    close: async () => {
      await boss.stop({ graceful: true, timeout: 10_000 });
      await Promise.all([pool.end(), workerPool?.end()]);
      mailer.close();
      redis?.disconnect();
    },
  };
}

export async function start(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env, 'command-api');
  const runtime = await createRuntime(config);
  const app = createApp(runtime.deps, runtime.appOptions);
  return serve(app, { port: config.ports.commandApi, host: config.host, tls: config.tls }, runtime.deps.logger, 'command-api', runtime.close);
}

if (isEntryPoint(import.meta.url)) runProcess('command-api', start);
