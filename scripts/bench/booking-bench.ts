/**
 * Booking against its limits:
 * - distinct-slot throughput through command-api (POST /bookings, a unique Idempotency-Key and a different
 *   professional per request, the Stripe stand-in in the path), against the hold transaction alone driven
 *   straight at the same database by a pg loop at the same concurrency. The loop runs command-api's own
 *   statements (its repository functions, the advisory lock, the search_version bump and both pg-boss job
 *   inserts through the same PgBoss `send`), in one transaction per booking, as create-booking.ts does;
 * - contention: 500 concurrent requests for one slot (exactly one may win; no 5xx);
 * - idempotent replay: the same key and payload again and again.
 * Each phase books on a day of its own; after each throughput run the read-model-sync queue is drained, so
 * the indexer's catch-up of one run does not eat into the next.
 */
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { signToken } from '../../shared/auth.ts';
import { createPool, withTransaction, type Pool } from '../../shared/db/pool.ts';
import { lockProfessional } from '../../shared/db/advisory-lock.ts';
import { enqueue, QUEUES } from '../../shared/queue.ts';
import { findBookableProfessional, findBookingByIdempotencyKey, insertPendingBooking } from '../../command-api/bookings/bookings.repository.ts';
import { checkScheduleRules } from '../../command-api/bookings/create-booking.ts';
import { markSearchStale } from '../../command-api/mark-search-stale.ts';
import { slotSequence, type Dataset, type Slot } from './dataset.ts';
import { abba, cannon, describe, percentile, round, sleep, summarize, type LoadResult, type RunSettings, type Sample } from './measure.ts';
import { startJobSender, type BenchSystem } from './system.ts';

export interface ContentionResult {
  requests: number;
  created: number;
  conflicts: number;
  server_errors: number;
  other: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  wall_ms: number;
}

export interface BookingResults {
  http: LoadResult;
  sql: LoadResult;
  contention: ContentionResult;
  idempotent_replay: LoadResult;
}

export const DURATION_MINUTES = 60;
const CONTENTION_REQUESTS = 500;
// One day per phase (0 = tomorrow), see slotSequence.
export const BOOKING_DAYS = { sql: 0, http: 1, contention: 2, freshnessProbes: 3, freshnessWriters: 4, mixedWriters: 7 } as const;

export async function benchBooking(system: BenchSystem, ds: Dataset, run: RunSettings, log: (msg: string) => void): Promise<BookingResults> {
  const token = await signToken(system.jwtSecret, { sub: 'bench-client', role: 'client', email: 'bench@example.com' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const pool = createPool({ ...system.config.database, poolMax: run.connections }, 'bench-sql');
  const boss = await startJobSender(system, log);
  try {
    const sqlSlots = slotSequence(ds, BOOKING_DAYS.sql);
    const sqlRun = (seconds: number) => sqlLoop(run.connections, seconds, () => holdSlot(pool, boss, system.config.booking.holdMinutes, sqlSlots()));
    const httpSlots = slotSequence(ds, BOOKING_DAYS.http);
    let n = 0;
    const httpRun = (seconds: number) =>
      cannon({
        url: system.urls.command_api,
        connections: run.connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/bookings',
            setupRequest: (req) => ({ ...req, headers: { ...headers, 'idempotency-key': `bench-${n++}` }, body: bookingBody(httpSlots()) }),
          },
        ],
      });
    log('booking: POST /bookings through command-api vs the hold transaction straight at PostgreSQL');
    const catchUps: number[] = [];
    const settle = async () => catchUps.push(await drainSearchSync(pool, system.config.queue.schema, log));
    const [http, sql] = await abba(httpRun, sqlRun, run, settle);
    log(`  command-api ${describe(http)}`);
    log(`  PostgreSQL ${describe(sql)}`);
    log(`  the indexer caught up with each run's search syncs in ${catchUps.join(', ')} s`);

    const contentionSlots = slotSequence(ds, BOOKING_DAYS.contention);
    const contention = await contend(system.urls.command_api, headers, contentionSlots());
    log(
      `booking: ${CONTENTION_REQUESTS} concurrent requests for one slot: ${contention.created} created, ${contention.conflicts} conflicts, ${contention.server_errors} 5xx, p99 ${contention.p99_ms} ms`,
    );

    const replay = { ...headers, 'idempotency-key': 'bench-replay' };
    const replayBody = bookingBody(contentionSlots());
    const first = await fetch(`${system.urls.command_api}/bookings`, { method: 'POST', headers: replay, body: replayBody });
    await first.text();
    const again = await fetch(`${system.urls.command_api}/bookings`, { method: 'POST', headers: replay, body: replayBody });
    await again.text();
    if (first.status !== 201 || again.headers.get('idempotent-replayed') !== 'true') {
      throw new Error(`idempotent replay set-up failed: ${first.status}, replayed header ${again.headers.get('idempotent-replayed')}`);
    }
    log('booking: idempotent replay (same key, same payload)');
    const replayRun = (seconds: number) =>
      cannon({
        url: system.urls.command_api,
        connections: run.connections,
        duration: seconds,
        requests: [{ method: 'POST', path: '/bookings', headers: replay, body: replayBody }],
      });
    await replayRun(run.warmupS);
    const idempotentReplay = summarize([await replayRun(run.durationS)]);
    log(`  ${describe(idempotentReplay)}`);

    return { http, sql, contention, idempotent_replay: idempotentReplay };
  } finally {
    await boss.stop({ graceful: false });
    await pool.end();
  }
}

export const bookingBody = (slot: Slot) => JSON.stringify({ ...slot, duration_minutes: DURATION_MINUTES });

/**
 * create-booking.ts's holdSlot, statement for statement, for a new client key (the earlier-attempt lookup
 * finds nothing). Returns whether the slot was held.
 */
async function holdSlot(pool: Pool, boss: PgBoss, holdMinutes: number, slot: Slot): Promise<boolean> {
  const start = new Date(slot.start_time);
  const end = new Date(start.getTime() + DURATION_MINUTES * 60_000);
  const key = randomUUID();
  return withTransaction(pool, async (tx) => {
    await lockProfessional(tx, slot.professional_id);
    if (await findBookingByIdempotencyKey(tx, 'bench-sql-client', key)) return false;
    const professional = await findBookableProfessional(tx, slot.professional_id);
    if (!professional?.active || start.getTime() <= Date.now()) return false;
    const rules = await checkScheduleRules(tx, professional, start, end, Date.now());
    if (!rules.ok) return false;
    const booking = await insertPendingBooking(tx, {
      id: randomUUID(),
      professionalId: professional.id,
      clientId: 'bench-sql-client',
      start,
      end,
      blocked: { start: new Date(rules.value.start), end: new Date(rules.value.end) },
      priceAmount: professional.ratePerMinute * DURATION_MINUTES,
      currency: professional.currency,
      holdMinutes,
      idempotencyKey: key,
      contactEmail: 'bench@example.com',
      now: new Date(),
    });
    await markSearchStale(boss, tx, professional.id);
    await enqueue(boss, tx, QUEUES.holdExpiry, { booking_id: booking.id }, { startAfter: booking.holdExpiresAt });
    return true;
  });
}

/** `connections` workers running `attempt` back to back for `seconds`, counted like an autocannon run. */
async function sqlLoop(connections: number, seconds: number, attempt: () => Promise<boolean>): Promise<Sample> {
  const latencies: number[] = [];
  let failed = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          if (await attempt()) latencies.push(performance.now() - t0);
          else failed++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, requests: latencies.length + failed + errors, non2xx: failed, serverErrors: 0, errors, durationS: (performance.now() - started) / 1000 };
}

/** All at once, each on its own connection, each with its own key, for the same slot. */
async function contend(url: string, headers: Record<string, string>, slot: Slot): Promise<ContentionResult> {
  const body = bookingBody(slot);
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: CONTENTION_REQUESTS }, async (_, i) => {
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}/bookings`, { method: 'POST', headers: { ...headers, 'idempotency-key': `bench-contention-${i}` }, body });
        await res.arrayBuffer();
        return { status: res.status, ms: performance.now() - t0 };
      } catch {
        return { status: 0, ms: performance.now() - t0 };
      }
    }),
  );
  const wall = performance.now() - started;
  const ms = answers.map((a) => a.ms);
  const count = (test: (status: number) => boolean) => answers.filter((a) => test(a.status)).length;
  return {
    requests: CONTENTION_REQUESTS,
    created: count((s) => s === 201),
    conflicts: count((s) => s === 409),
    server_errors: count((s) => s >= 500),
    other: count((s) => s !== 201 && s !== 409 && s < 500),
    p50_ms: round(percentile(ms, 50)),
    p99_ms: round(percentile(ms, 99)),
    max_ms: round(Math.max(...ms)),
    wall_ms: round(wall),
  };
}

/** Waits until the indexer has no read-model-sync job left; returns how long that took (seconds). */
export async function drainSearchSync(pool: Pool, schema: string, log: (msg: string) => void, timeoutS = 180): Promise<number> {
  const started = Date.now();
  for (;;) {
    // the schema name is validated by the config (a plain identifier)
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
      [QUEUES.readModelSync],
    );
    const waited = (Date.now() - started) / 1000;
    if (rows[0]!.n === 0) return round(waited, 1);
    if (waited > timeoutS) {
      log(`  the indexer still has ${rows[0]!.n} search syncs queued after ${timeoutS} s; going on`);
      return round(waited, 1);
    }
    await sleep(250);
  }
}
