import { PgBoss, type Queue } from 'pg-boss';
import type { Config } from './config.ts';
import type { Queryable } from './db/pool.ts';
import type { Logger } from './logger.ts';

export { PgBoss };

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
} as const;

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
  },
  // Always deferred (startAfter = hold end), so LISTEN/NOTIFY would not help: plain polling.
  { name: QUEUES.holdExpiry, policy: 'standard', retryLimit: 20, retryDelay: 5, retryBackoff: true, retryDelayMax: 300 },
  { name: QUEUES.holdSweep, policy: 'singleton', retryLimit: 0 },
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
  },
  { name: QUEUES.idempotencyPurge, policy: 'singleton', retryLimit: 0 },
];

export function createBoss(config: Config, logger: Logger, opts: { poolMax?: number } = {}): PgBoss {
  const boss = new PgBoss({
    connectionString: config.database.connectionString,
    ssl: config.database.ssl || undefined,
    schema: config.queue.schema,
    max: opts.poolMax ?? 4,
    application_name: 'pg-boss',
    useListenNotify: true,
  });
  // Only message and code: pg errors carry their whole client object.
  boss.on('error', (err) => logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'job queue error'));
  return boss;
}

export async function startBoss(boss: PgBoss): Promise<void> {
  await boss.start();
  for (const { name, ...options } of DEFINITIONS) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, options);
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
