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
  { name: WEBHOOK_QUEUES.webhookDelivery, policy: 'standard', retryLimit: 100, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 60, notify: true },
  { name: WEBHOOK_QUEUES.webhookSweep, policy: 'singleton', retryLimit: 0 },
];

/** Every queue of the system, so that senders and workers agree on names and policies. */
export const QUEUES = {
  searchSync: 'search-sync',
  stripeEvent: 'stripe-event',
  stripeEventDeadLetter: 'stripe-event-dead-letter',
  holdExpiry: 'hold-expiry',
  holdSweep: 'hold-sweep',
  confirmationEmail: 'confirmation-email',
  confirmationEmailDeadLetter: 'confirmation-email-dead-letter',
  idempotencyPurge: 'idempotency-key-purge',
  ...WEBHOOK_QUEUES,
} as const;

const DEFINITIONS: Queue[] = [
  // stately + singletonKey: at most one queued and one running sync per professional.
  { name: QUEUES.searchSync, policy: 'stately', retryLimit: 1000, retryDelay: 1, retryBackoff: true, retryDelayMax: 30, notify: true },
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

export function enqueueSearchSync(boss: PgBoss, db: Queryable, professionalId: string): Promise<void> {
  return enqueue(boss, db, QUEUES.searchSync, { professional_id: professionalId, enqueued_at: Date.now() }, { singletonKey: professionalId });
}

/** Sends several jobs inside the caller's transaction, in one statement. */
export async function enqueueMany(boss: PgBoss, db: Queryable, name: string, jobs: JobInsert[]): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(name, jobs, { db: { executeSql: (text, values) => db.query(text, values as unknown[]) } });
}
