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
import { startWorkers } from './workers.ts';

export interface CommandRuntime {
  deps: CommandDeps;
  appOptions: CommandAppOptions;
  close(): Promise<void>;
}

/** Connects everything the command side needs; `workers: false` gives an API-only instance. */
export async function createRuntime(config: Config, opts: { logger?: Logger; workers?: boolean } = {}): Promise<CommandRuntime> {
  const logger = opts.logger ?? createLogger({ name: 'command-api', level: config.logLevel });
  const pool = createPool(config.database, 'command-api');
  const boss = createBoss(config, logger);
  await startBoss(boss);
  const registry = createRegistry('command-api');
  const metrics = createCommandMetrics(registry);
  // Short timeouts: the sender holds a database lock while SMTP answers (nodemailer waits 10 min by default).
  const mailer = nodemailer.createTransport(
    { url: config.mail.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from: config.mail.from },
  );
  const deps: CommandDeps = {
    config,
    logger,
    pool,
    boss,
    registry,
    metrics,
    mailer,
    stripe: createStripeClient(config.stripe),
    verifyToken: createTokenVerifier(config.auth),
  };
  new Gauge({
    name: 'queue_depth_jobs',
    help: 'Jobs waiting per queue (created or retry)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      for (const q of await boss.getQueues()) this.set({ queue: q.name }, q.queuedCount);
    },
  });
  if (opts.workers !== false) await startWorkers(deps);
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : undefined;
  return {
    deps,
    appOptions: redis ? { redis } : {},
    close: async () => {
      await boss.stop({ graceful: true, timeout: 10_000 });
      await pool.end();
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
