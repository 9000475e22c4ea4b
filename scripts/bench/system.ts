/**
 * The system under test, started the way `npm start` starts it, but in a temporary directory of its own:
 * embedded PostgreSQL, an Elasticsearch JVM, redis-server, the Stripe stand-in and the mail sink, then
 * command-api, query-api and the indexer as separate child processes, so that each one's memory can be read
 * from /proc. stop() ends everything that was started, children first.
 */
import { APP_NODE_FLAGS } from '../local-stack/app-process.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../shared/config.ts';
import { migrate } from '../../shared/db/migrate.ts';
import { createLogger } from '../../shared/logger.ts';
import { startElasticsearch } from '../local-stack/elasticsearch.ts';
import { freePort } from '../local-stack/ports.ts';
import { ensureDatabase, startPostgres } from '../local-stack/postgres.ts';
import { startRedis } from '../local-stack/redis.ts';
import { startMailSink } from '../stand-ins/mail-sink.ts';
import { startStripeStandIn } from '../stand-ins/stripe-stand-in.ts';
import { PgBoss } from '../../shared/queue.ts';
import { sleep } from './measure.ts';

export type AppName = 'command_api' | 'query_api' | 'indexer';
const APPS: Record<AppName, string> = { command_api: 'command-api/main.ts', query_api: 'query-api/main.ts', indexer: 'indexer/main.ts' };

// Generous limits: the bench measures throughput, not the rate limiter's 429s (the limiter still runs).
const UNLIMITED = '100000000';
const STOP_TIMEOUT_MS = 15_000;

export interface BenchSystem {
  dir: string;
  config: Config;
  esUrl: string;
  jwtSecret: string;
  urls: Record<AppName, string>;
  /** Starts the three apps; call once the data is loaded. */
  startApps(): Promise<void>;
  /** Another Node child process (e.g. the bare Express baseline), stopped with the rest. */
  launch(name: string, entry: string, env: NodeJS.ProcessEnv, port: number): Promise<string>;
  /** kB from /proc/<pid>/status of each app and of the Elasticsearch JVM. */
  memory(field: 'VmRSS' | 'VmHWM'): Record<AppName | 'elasticsearch', number | undefined>;
  stop(opts: { keepDir: boolean }): Promise<void>;
}

/** appNodeFlags: extra `node` flags for the three apps only (e.g. heap limits, --cpu-prof). */
export async function startSystem(opts: { log: (msg: string) => void; appNodeFlags: string[] }): Promise<BenchSystem> {
  const { log } = opts;
  const dir = await mkdtemp(path.join(tmpdir(), 'booking-bench-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user and must reach its data directory
  mkdirSync(path.join(dir, 'logs'));
  const stops: Array<() => Promise<void>> = [];
  const children = new Map<string, ChildProcess>();
  const stopAll = async () => {
    await Promise.all([...children.values()].map(stopChild));
    for (const stop of stops.reverse()) await stop().catch((err) => log(`while stopping: ${String(err)}`));
  };

  try {
    const [pg, es, redis] = await Promise.all([
      startPostgres({ dataDir: path.join(dir, 'postgres'), persistent: false }),
      startElasticsearch({ dataDir: path.join(dir, 'elasticsearch') }),
      startRedis({ dir: path.join(dir, 'redis') }),
    ]);
    stops.push(pg.stop, es.stop, redis.stop);
    await ensureDatabase(pg.adminUrl, 'bookings');
    const ports = { command_api: await freePort(), query_api: await freePort(), indexer: await freePort() };
    const urls = {
      command_api: `http://127.0.0.1:${ports.command_api}`,
      query_api: `http://127.0.0.1:${ports.query_api}`,
      indexer: `http://127.0.0.1:${ports.indexer}`,
    };
    const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
    const stripe = await startStripeStandIn({ webhookSecret, webhookUrl: `${urls.command_api}/webhooks/stripe` });
    stops.push(stripe.stop);
    const mail = await startMailSink({ dir: path.join(dir, 'mail') });
    stops.push(mail.stop);

    const jwtSecret = randomBytes(32).toString('hex');
    // Like `npm start`: the environment may tune the apps (e.g. DB_POOL_MAX); what the bench started wins.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      COMMAND_API_PORT: String(ports.command_api),
      QUERY_API_PORT: String(ports.query_api),
      INDEXER_PORT: String(ports.indexer),
      DATABASE_URL: pg.urlFor('bookings'),
      ELASTICSEARCH_URL: es.url,
      REDIS_URL: redis.url,
      AUTH_JWT_SECRET: jwtSecret,
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_URL: stripe.url,
      SMTP_URL: mail.smtpUrl,
      SEARCH_RATE_LIMIT_PER_MIN: UNLIMITED,
      COMMAND_RATE_LIMIT_PER_MIN: UNLIMITED,
    };
    delete env.DB_HOST; // DATABASE_URL is the bench's own database
    const config = loadConfig(env, 'script');
    await migrate(config.database, createLogger({ name: 'bench', level: 'warn' }));
    log(`PostgreSQL, Elasticsearch ${es.url}, Redis, Stripe stand-in and mail sink up; data in ${dir}`);

    const launch = async (name: string, entry: string, childEnv: NodeJS.ProcessEnv, port: number, flags: string[] = []): Promise<string> => {
      const logFd = openSync(path.join(dir, 'logs', `${name}.log`), 'a');
      const child = spawn(process.execPath, [...APP_NODE_FLAGS, ...flags, entry], { env: childEnv, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      children.set(name, child);
      const url = `http://127.0.0.1:${port}`;
      await waitReady(name, child, url, path.join(dir, 'logs', `${name}.log`));
      return url;
    };

    return {
      dir,
      config,
      esUrl: es.url,
      jwtSecret,
      urls,
      launch,
      async startApps() {
        await Promise.all(
          (Object.keys(APPS) as AppName[]).map((name) =>
            launch(
              name,
              APPS[name],
              env,
              ports[name],
              opts.appNodeFlags.map((flag) => flag.replace('{name}', name)),
            ),
          ),
        );
        log('command-api, query-api and indexer ready');
      },
      memory(field) {
        const kb = (pid: number | undefined) => (pid === undefined ? undefined : procStatusKb(pid, field));
        return {
          command_api: kb(children.get('command_api')?.pid),
          query_api: kb(children.get('query_api')?.pid),
          indexer: kb(children.get('indexer')?.pid),
          elasticsearch: kb(pidByCommandLine(path.join(dir, 'elasticsearch'))),
        };
      },
      async stop({ keepDir }) {
        await stopAll();
        if (keepDir) log(`logs kept in ${path.join(dir, 'logs')}`);
        else await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    log(`start-up failed; logs in ${path.join(dir, 'logs')}`);
    throw err;
  }
}

/** Readiness as `npm start` checks it: /health/ready answers 200 (with /health/live for the bare baseline). */
async function waitReady(name: string, child: ChildProcess, url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start-up (code ${child.exitCode}); see ${logFile}`);
    for (const probe of ['/health/ready', '/health/live']) {
      try {
        if ((await fetch(url + probe)).ok) return;
      } catch {
        // not listening yet
      }
    }
    await sleep(200);
  }
  throw new Error(`${name} was not ready within 2 minutes; see ${logFile}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function procStatusKb(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process has gone
  }
}

/** The JVM is started by startElasticsearch, which keeps its pid to itself: find it by its data directory. */
function pidByCommandLine(fragment: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(fragment)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export interface CpuSnapshot {
  /** clock ticks since boot, all CPUs together */
  total: number;
  busy: number;
  steal: number;
  /** ticks of this process and everything it started (reaped children included) */
  ours: number;
}

/**
 * The machine's CPU time against this process tree's: the difference between two snapshots tells how
 * much of the machine other work (or the hypervisor, as steal) took while the bench ran.
 */
export function cpuSnapshot(): CpuSnapshot {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(f[1]));
      ticks.set(Number(entry), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // gone meanwhile
    }
  }
  const isOurs = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  let ours = 0;
  for (const [pid, t] of ticks) if (isOurs(pid)) ours += t;
  const busy = user! + nice! + system! + irq! + softirq!;
  return { total: busy + idle! + iowait! + steal!, busy, steal: steal!, ours };
}

/** A pg-boss that only sends jobs: maintenance and cron stay with the apps' own instances. */
export async function startJobSender(system: Pick<BenchSystem, 'config'>, log: (msg: string) => void): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: system.config.database.connectionString,
    schema: system.config.queue.schema,
    supervise: false,
    schedule: false,
    migrate: false,
    max: 2,
  });
  boss.on('error', (err) => log(`bench pg-boss: ${err.message}`));
  await boss.start();
  return boss;
}
