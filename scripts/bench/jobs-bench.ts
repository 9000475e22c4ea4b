/**
 * Job throughput of the running command-api after a burst:
 * - Stripe events: N pending holds, then N stored `payment_intent.succeeded` events and their
 *   stripe-event jobs committed at once, as a burst of webhooks leaves them; measured until every
 *   event is processed (each confirms its booking through the real handler).
 * - Confirmation emails: N confirmed bookings and their confirmation-email jobs committed at once;
 *   measured until every email has been accepted by the mail sink and marked sent.
 * The wait of a job is the time from its creation until a worker started it (pg-boss's own columns).
 * Each burst books on a day of its own (see BOOKING_DAYS).
 */
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { createPool, withTransaction, type Pool } from '../../shared/db/pool.ts';
import { enqueue, QUEUES } from '../../shared/queue.ts';
import { attachPaymentIntent, confirmBooking, insertPendingBooking } from '../../command-api/bookings/bookings.repository.ts';
import { insertStripeEvent } from '../../command-api/webhooks/stripe-events.repository.ts';
import { slotSequence, type Dataset, type Slot } from './dataset.ts';
import { percentile, round, sleep } from './measure.ts';
import { startJobSender, type BenchSystem } from './system.ts';

export interface BurstResult {
  jobs: number;
  /** jobs done per second, from the commit of the burst until the last one finished */
  per_s: number;
  drain_ms: number;
  /** creation → start of a job */
  p50_wait_ms: number;
  p99_wait_ms: number;
  max_wait_ms: number;
}

export interface JobsResults {
  emails_per_s: number;
  stripe_events_per_s: number;
  /** the higher p99 wait of the two bursts */
  p99_wait_ms: number;
  stripe_events: BurstResult;
  emails: BurstResult;
}

export const JOB_DAYS = { stripeEvents: 5, emails: 6 } as const;
const DURATION_MINUTES = 60;
const DRAIN_TIMEOUT_MS = 300_000;

export async function benchJobs(system: BenchSystem, ds: Dataset, burst: number, log: (msg: string) => void): Promise<JobsResults> {
  const pool = createPool({ ...system.config.database, poolMax: 2 }, 'bench-jobs');
  const boss = await startJobSender(system, log);
  const schema = system.config.queue.schema;
  try {
    log(`jobs: a burst of ${burst} Stripe events (each confirms a hold)`);
    const stripeEvents = await measureBurst(
      pool,
      schema,
      QUEUES.stripeEvent,
      await stripeEventBurst(pool, boss, slotSequence(ds, JOB_DAYS.stripeEvents), burst),
      (ids) => countDone(pool, `SELECT count(*)::int AS n FROM stripe_events WHERE id = ANY($1) AND processed_at IS NOT NULL`, ids),
    );
    log(`  ${describeBurst(stripeEvents)}`);
    log(`jobs: a burst of ${burst} confirmation emails`);
    const emails = await measureBurst(pool, schema, QUEUES.confirmationEmail, await emailBurst(pool, boss, slotSequence(ds, JOB_DAYS.emails), burst), (ids) =>
      countDone(pool, `SELECT count(*)::int AS n FROM bookings WHERE id = ANY($1) AND confirmation_email_sent_at IS NOT NULL`, ids),
    );
    log(`  ${describeBurst(emails)}`);
    return {
      emails_per_s: emails.per_s,
      stripe_events_per_s: stripeEvents.per_s,
      p99_wait_ms: Math.max(emails.p99_wait_ms, stripeEvents.p99_wait_ms),
      stripe_events: stripeEvents,
      emails,
    };
  } finally {
    await boss.stop({ graceful: false });
    await pool.end();
  }
}

const describeBurst = (r: BurstResult) =>
  `${r.jobs} jobs in ${(r.drain_ms / 1000).toFixed(1)} s: ${r.per_s}/s; wait p50 ${r.p50_wait_ms} ms, p99 ${r.p99_wait_ms} ms, max ${r.max_wait_ms} ms`;

interface Burst {
  /** what countDone looks for: event ids or booking ids */
  keys: string[];
  jobIds: string[];
  committedAt: number;
}

async function stripeEventBurst(pool: Pool, boss: PgBoss, slots: () => Slot, n: number): Promise<Burst> {
  const holds = await Promise.all(Array.from({ length: n }, () => insertBooking(pool, slots(), { paymentIntent: true })));
  const keys: string[] = [];
  const jobIds: string[] = [];
  await withTransaction(pool, async (tx) => {
    for (const hold of holds) {
      const id = `evt_bench_${randomUUID()}`;
      const intent = {
        id: hold.paymentIntentId,
        object: 'payment_intent',
        status: 'succeeded',
        amount_received: hold.priceAmount,
        metadata: { booking_id: hold.id },
      };
      await insertStripeEvent(tx, { id, type: 'payment_intent.succeeded', payload: { id, type: 'payment_intent.succeeded', data: { object: intent } } });
      const jobId = randomUUID();
      await enqueue(boss, tx, QUEUES.stripeEvent, { event_id: id }, { id: jobId });
      keys.push(id);
      jobIds.push(jobId);
    }
  });
  return { keys, jobIds, committedAt: Date.now() };
}

async function emailBurst(pool: Pool, boss: PgBoss, slots: () => Slot, n: number): Promise<Burst> {
  const bookings = await Promise.all(Array.from({ length: n }, () => insertBooking(pool, slots(), { confirmed: true })));
  const jobIds: string[] = [];
  await withTransaction(pool, async (tx) => {
    for (const booking of bookings) {
      const jobId = randomUUID();
      await enqueue(boss, tx, QUEUES.confirmationEmail, { booking_id: booking.id }, { id: jobId });
      jobIds.push(jobId);
    }
  });
  return { keys: bookings.map((b) => b.id), jobIds, committedAt: Date.now() };
}

/** A hold straight in the table (the booking bench measures how it is made), optionally paid for or confirmed. */
async function insertBooking(pool: Pool, slot: Slot, opts: { paymentIntent?: boolean; confirmed?: boolean }) {
  return withTransaction(pool, async (tx) => {
    const start = new Date(slot.start_time);
    const end = new Date(start.getTime() + DURATION_MINUTES * 60_000);
    let booking = await insertPendingBooking(tx, {
      id: randomUUID(),
      professionalId: slot.professional_id,
      clientId: 'bench-jobs-client',
      start,
      end,
      blocked: { start, end }, // the bench dataset has no buffers
      priceAmount: 100 * DURATION_MINUTES,
      currency: 'GHS',
      holdMinutes: 60,
      idempotencyKey: randomUUID(),
      contactEmail: 'bench-jobs@example.com',
      now: new Date(),
    });
    if (opts.paymentIntent) booking = (await attachPaymentIntent(tx, booking.id, `pi_bench_${randomUUID().replaceAll('-', '')}`))!;
    if (opts.confirmed) booking = (await confirmBooking(tx, booking.id, 'pending'))!;
    return { id: booking.id, paymentIntentId: booking.paymentIntentId!, priceAmount: booking.priceAmount };
  });
}

async function countDone(pool: Pool, sql: string, keys: string[]): Promise<number> {
  return (await pool.query(sql, [keys])).rows[0].n;
}

async function measureBurst(pool: Pool, schema: string, queue: string, burst: Burst, done: (keys: string[]) => Promise<number>): Promise<BurstResult> {
  const deadline = burst.committedAt + DRAIN_TIMEOUT_MS;
  while ((await done(burst.keys)) < burst.keys.length) {
    if (Date.now() > deadline) throw new Error(`${queue}: the burst did not drain within ${DRAIN_TIMEOUT_MS / 1000} s`);
    await sleep(20);
  }
  const drainMs = Date.now() - burst.committedAt;
  // Identifiers cannot be parameters; the schema comes from the validated configuration.
  const { rows } = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (started_on - created_on)) * 1000 AS wait_ms FROM ${schema}.job WHERE name = $1 AND id = ANY($2::uuid[]) AND started_on IS NOT NULL`,
    [queue, burst.jobIds],
  );
  const waits = rows.map((r) => Number(r.wait_ms)).sort((a, b) => a - b);
  return {
    jobs: burst.keys.length,
    per_s: round(burst.keys.length / (drainMs / 1000), 1),
    drain_ms: drainMs,
    p50_wait_ms: round(percentile(waits, 50), 0),
    p99_wait_ms: round(percentile(waits, 99), 0),
    max_wait_ms: round(waits.at(-1) ?? Number.NaN, 0),
  };
}
