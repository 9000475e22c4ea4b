import pg from 'pg';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureDatabase, dropDatabase, startPostgres, type RunningPostgres } from '../local-stack/postgres.ts';
import { startElasticsearch, type RunningService } from '../local-stack/elasticsearch.ts';
import { startRedis } from '../local-stack/redis.ts';
import { migrate } from '../../shared/db/migrate.ts';
import { createLogger } from '../../shared/logger.ts';
import { createBoss, startBoss } from '../../shared/queue.ts';
import { loadConfig } from '../../shared/config.ts';

/** The real services every integration test talks to, started once per test run. */
export interface TestServices {
  postgres: RunningPostgres;
  elasticsearch: RunningService;
  redis: RunningService & { port: number; restart(): Promise<void> };
  /** A migrated database (schema and job queue tables) that each test database is cloned from. */
  templateDatabase: string;
  jwtSecret: string;
  stripeWebhookSecret: string;
  tmpDir: string;
  stop(): Promise<void>;
}

// On globalThis: mocha may load the root hooks and the test files as separate module instances.
const registry = globalThis as typeof globalThis & { __bookingTestServices?: TestServices };

export function services(): TestServices {
  const current = registry.__bookingTestServices;
  if (!current) throw new Error('test services are not running: run tests through `npm test` (root hooks)');
  return current;
}

const TEMPLATE = 'booking_template';

export async function startTestServices(): Promise<TestServices> {
  const started = Date.now();
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'booking-test-'));
  await chmod(tmpDir, 0o755); // PostgreSQL runs as its own user and must reach its data directory
  const log = (msg: string) => process.stderr.write(`[test services] ${msg}\n`);
  const [postgres, elasticsearch, redis] = await Promise.all([
    startPostgres({ dataDir: path.join(tmpDir, 'postgres'), persistent: false }),
    process.env.ELASTICSEARCH_URL
      ? Promise.resolve({ url: process.env.ELASTICSEARCH_URL, stop: async () => {} })
      : startElasticsearch({ dataDir: path.join(tmpDir, 'elasticsearch'), log }),
    startRedis({ dir: path.join(tmpDir, 'redis') }),
  ]);
  await ensureDatabase(postgres.adminUrl, TEMPLATE);
  const jwtSecret = randomBytes(32).toString('hex');
  const stripeWebhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({ DATABASE_URL: postgres.urlFor(TEMPLATE), LOG_LEVEL: 'silent' });
  const logger = createLogger({ name: 'test', level: 'silent' });
  await migrate(config.database, logger);
  const boss = createBoss(config, logger);
  await startBoss(boss);
  await boss.stop({ graceful: false });
  log(`PostgreSQL, Elasticsearch and Redis ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const current: TestServices = {
    postgres,
    elasticsearch,
    redis,
    templateDatabase: TEMPLATE,
    jwtSecret,
    stripeWebhookSecret,
    tmpDir,
    stop: async () => {
      await Promise.allSettled([postgres.stop(), elasticsearch.stop(), redis.stop()]);
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
  registry.__bookingTestServices = current;
  return current;
}

/** A database of its own for one test suite, cloned from the migrated template in milliseconds. */
export async function freshDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const s = services();
  const name = `t_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(s.postgres.adminUrl, name, s.templateDatabase);
  return { url: s.postgres.urlFor(name), name, drop: () => dropDatabase(s.postgres.adminUrl, name) };
}

/** A unique Elasticsearch alias per suite, so suites never see each other's documents. */
export function freshAlias(): string {
  return `professionals_t${randomBytes(4).toString('hex')}`;
}

/**
 * A pool for a test's own SQL. The suite's database is dropped (WITH FORCE) when its system closes:
 * a connection still idle then is terminated, which must not crash the test run.
 */
export function testPool(connectionString: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {});
  return pool;
}
