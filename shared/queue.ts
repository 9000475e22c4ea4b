import { PgBoss, type JobInsert, type Queue } from 'pg-boss';
import type { Config } from './config.ts';
import type { Queryable } from './db/pool.ts';
import type { Logger } from './logger.ts';

export { PgBoss };

// Outgoing webhooks (command-api/webhook-deliveries): one job wakes one lane (endpoint, booking).
const WEBHOOK_QUEUES = {
  webhookDelivery: 'webhook-delivery',
  webhookSweep: 'webhook-sweep',
} as const;

const WEBHOOK_DEFINITIONS: Queue[] = [
  // A job works one lane for at most ~40 s (30 s, then one last attempt of at most 10 s); expiry hands a dead worker's job on.
  {
    name: WEBHOOK_QUEUES.webhookDelivery,
    policy: 'standard',
    retryLimit: 100,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 60,
    expireInSeconds: 60,
    heartbeatSeconds: 10,
    notify: true,
  },
  { name: WEBHOOK_QUEUES.webhookSweep, policy: 'singleton', retryLimit: 0 },
];

/** Every queue of the system, so that senders and workers agree on names and policies. */
export const QUEUES = {
  readModelSync: 'read-model-sync',
  readModelReconcile: 'read-model-reconcile',
  stripeEvent: 'stripe-event',
  stripeEventDeadLetter: 'stripe-event-dead-letter',
  holdExpiry: 'hold-expiry',
  holdSweep: 'hold-sweep',
  confirmationEmail: 'confirmation-email',
  confirmationEmailDeadLetter: 'confirmation-email-dead-letter',
  idempotencyPurge: 'idempotency-key-purge',
  ...WEBHOOK_QUEUES,
} as const;

/**
 * A worker that dies (kill -9, lost host) stops sending heartbeats: its jobs are failed and retried
 * once `heartbeatSeconds` pass without one (pg-boss's minimum is 10), found by the supervisor pass
 * every SUPERVISE_SECONDS. `expireInSeconds` bounds a live but stuck handler.
 */
const HEARTBEAT = { heartbeatSeconds: 10 } as const;
const SUPERVISE_SECONDS = 5;

const DEFINITIONS: Queue[] = [
  // One job per change, never deduplicated when sent (a send dropped while an earlier job is being
  // consumed could lose the change); the indexer coalesces the jobs of one professional when it fetches
  // them. A dead worker's jobs are retried once its heartbeat lapses.
  {
    name: QUEUES.readModelSync,
    policy: 'standard',
    retryLimit: 1000,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 10,
    expireInSeconds: 60,
    heartbeatSeconds: 10,
    deleteAfterSeconds: 3600,
    notify: true,
  },
  { name: QUEUES.readModelReconcile, policy: 'singleton', retryLimit: 0, expireInSeconds: 120 },
  { name: QUEUES.stripeEventDeadLetter, policy: 'standard' },
  {
    name: QUEUES.stripeEvent,
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 600,
    deadLetter: QUEUES.stripeEventDeadLetter,
    notify: true,
    expireInSeconds: 120,
    ...HEARTBEAT,
  },
  // Always deferred (startAfter = hold end), so LISTEN/NOTIFY would not help: plain polling.
  { name: QUEUES.holdExpiry, policy: 'standard', retryLimit: 20, retryDelay: 5, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 120, ...HEARTBEAT },
  { name: QUEUES.holdSweep, policy: 'singleton', retryLimit: 0, expireInSeconds: 600, ...HEARTBEAT },
  { name: QUEUES.confirmationEmailDeadLetter, policy: 'standard' },
  {
    name: QUEUES.confirmationEmail,
    policy: 'standard',
    retryLimit: 20,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 900,
    deadLetter: QUEUES.confirmationEmailDeadLetter,
    notify: true,
    expireInSeconds: 120,
    ...HEARTBEAT,
  },
  { name: QUEUES.idempotencyPurge, policy: 'singleton', retryLimit: 0, expireInSeconds: 600, ...HEARTBEAT },
  ...WEBHOOK_DEFINITIONS,
];

export function createBoss(config: Config, logger: Logger, opts: { poolMax?: number } = {}): PgBoss {
  const boss = new PgBoss({
    connectionString: config.database.connectionString,
    ssl: config.database.ssl || undefined,
    schema: config.queue.schema,
    max: opts.poolMax ?? 4,
    application_name: 'pg-boss',
    useListenNotify: true,
    connectionTimeoutMillis: 5000,
    // Expired jobs and lost heartbeats are found within seconds, not on the default 60-second pass.
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
  });
  // pg-boss reconnects by itself; while PostgreSQL is down every poll fails: each error once per 10 s.
  // Only message and code: pg errors carry their whole client object.
  const lastLogged = new Map<string, number>();
  boss.on('error', (err) => {
    if (Date.now() - (lastLogged.get(err.message) ?? 0) < 10_000) return;
    if (lastLogged.size > 100) lastLogged.clear();
    lastLogged.set(err.message, Date.now());
    logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'job queue error');
  });
  return boss;
}

/** Starts pg-boss and creates the queues, or brings existing ones to their current definition. */
export async function startBoss(boss: PgBoss): Promise<void> {
  await boss.start();
  for (const { name, policy, partition, ...options } of DEFINITIONS) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, { policy, partition, ...options });
    // Policy and partitioning are fixed when a queue is created; the rest follows its definition.
    else if (Object.keys(options).length > 0) await boss.updateQueue(name, options);
  }
}

/** Sends a job inside the caller's transaction: it exists if and only if that transaction commits. */
export async function enqueue(
  boss: PgBoss,
  db: Queryable,
  name: string,
  data: object,
  options: { singletonKey?: string; startAfter?: Date | number; id?: string } = {},
): Promise<void> {
  await boss.send(name, data, { ...options, db: { executeSql: (text, values) => db.query(text, values as unknown[]) } });
}

/** What the command side sends with every change that search shows, and what the indexer consumes. */
export interface ReadModelSyncJob {
  professional_id: string;
  /** ms since the epoch, taken inside the transaction that committed the change */
  enqueued_at: number;
}

export function enqueueReadModelSync(boss: PgBoss, db: Queryable, professionalId: string, now = Date.now()): Promise<void> {
  return enqueue(boss, db, QUEUES.readModelSync, { professional_id: professionalId, enqueued_at: now } satisfies ReadModelSyncJob);
}

/** Sends several jobs inside the caller's transaction, in one statement. */
export async function enqueueMany(boss: PgBoss, db: Queryable, name: string, jobs: JobInsert[]): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(name, jobs, { db: { executeSql: (text, values) => db.query(text, values as unknown[]) } });
}
