import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { eventually, givenProfessional, uniqueId, addMinutes } from '../scripts/testing/builders.ts';
import { services, testPool } from '../scripts/testing/services.ts';
import { ensureDatabase, startPostgres, type RunningPostgres } from '../scripts/local-stack/postgres.ts';
import { freePort } from '../scripts/local-stack/ports.ts';
import { loadConfig } from '../shared/config.ts';
import { migrate } from '../shared/db/migrate.ts';
import { createLogger } from '../shared/logger.ts';

/** Processes whose parent is pid (PostgreSQL puts each backend in a process group of its own). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/**
 * PostgreSQL stopped and started again while bookings are being made. A PostgreSQL of its own, so
 * the other suites keep theirs. The command-api (API and workers) runs in this process: a crash on
 * a lost connection would end the test run.
 */
describe('command-api while PostgreSQL restarts under load', () => {
  let postgres: RunningPostgres;
  let port: number;
  let dataDir: string;
  let system: TestSystem;
  let db: pg.Pool;

  before(async function () {
    this.timeout(60_000);
    port = await freePort();
    dataDir = path.join(services().tmpDir, `restart-pg-${uniqueId('d')}`);
    postgres = await startPostgres({ dataDir, port, persistent: true });
    await ensureDatabase(postgres.adminUrl, 'bookings');
    const databaseUrl = postgres.urlFor('bookings');
    await migrate(loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }).database, createLogger({ name: 't', level: 'silent' }));
    // A request cut off mid-way keeps its Idempotency-Key locked this long before a retry may finish it.
    system = await startTestSystem({ command: true, commandWorkers: true, env: { DATABASE_URL: databaseUrl }, idempotencyLockSeconds: 2 });
    db = testPool(databaseUrl, 2);
    db.on('error', () => {});
  });
  after(async () => {
    await db?.end().catch(() => {});
    await system?.close();
    await postgres?.stop();
  });

  interface Answer {
    status: number;
    code?: string;
    retryAfter: string | null;
    id?: string;
  }

  async function post(token: string, body: object, key: string): Promise<Answer> {
    const res = await fetch(`${system.command!.url}/bookings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000), // a hung request fails the test
    });
    const json = (await res.json()) as { id?: string; code?: string };
    return { status: res.status, code: json.code, retryAfter: res.headers.get('retry-after'), id: json.id };
  }

  const ready = async () => (await fetch(`${system.command!.url}/health/ready`)).status;

  it('answers 503 service_unavailable with Retry-After while it is down, then resumes by itself: no booking, payment or email lost or doubled', async function () {
    this.timeout(120_000);
    const pros = await Promise.all([0, 1, 2].map(() => givenProfessional(system)));
    const client = uniqueId('client');
    const token = await system.token('client', client, { email: `${client}@example.com` });
    const answers: Answer[] = [];
    const booked = new Map<string, string>(); // slot → booking id

    // Each client books its professional's slots one after another, retrying a 503 (or the 409 of a
    // request cut off mid-way, whose key is still locked) with the same key, as a well-behaved client
    // does, until the slot is answered for good.
    let outageSeen = false;
    const load = pros.map(async (pro) => {
      for (let slot = 0; slot < 6; slot++) {
        const start = addMinutes(pro.window.start, slot * 60).toISOString();
        const key = uniqueId('key');
        for (;;) {
          const answer = await post(token, { professional_id: pro.id, start_time: start, duration_minutes: 60 }, key);
          answers.push(answer);
          const retry = answer.status === 503 || answer.code === 'idempotency_key_in_use';
          if (!retry) {
            expect(answer.status, JSON.stringify(answer)).to.equal(201);
            booked.set(`${pro.id}@${start}`, answer.id!);
            break;
          }
          outageSeen ||= answer.status === 503;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    });

    await eventually(async () => booked.size >= 3, 30_000, 20);
    await postgres.stop();
    expect(await ready()).to.equal(503);
    await eventually(async () => outageSeen, 30_000, 50);
    await new Promise((r) => setTimeout(r, 1500));
    postgres = await startPostgres({ dataDir, port, persistent: true });
    await eventually(async () => (await ready()) === 200, 30_000, 200);
    await Promise.all(load);

    expect(answers.filter((a) => a.status === 503).length).to.be.greaterThan(0);
    for (const a of answers.filter((x) => x.status !== 201)) {
      if (a.status === 409) expect(a.code).to.equal('idempotency_key_in_use');
      else {
        expect(a, 'only 201 or a clean 503').to.include({ status: 503, code: 'service_unavailable' });
        expect(Number(a.retryAfter)).to.be.greaterThan(0);
      }
    }
    expect(booked.size).to.equal(18);
    const live = (await db.query(`SELECT id FROM bookings WHERE client_id = $1 AND status IN ('pending', 'confirmed')`, [client])).rows.map((r) => r.id);
    expect(live.sort()).to.deep.equal([...booked.values()].sort());

    // Every hold is paid; each payment confirms its booking once and sends one email.
    const intents = (await db.query(`SELECT id, payment_intent_id FROM bookings WHERE id = ANY($1)`, [live])).rows;
    for (const { payment_intent_id } of intents) await system.stripe.succeed(payment_intent_id);
    await eventually(
      async () =>
        (await db.query(`SELECT count(*)::int AS n FROM bookings WHERE id = ANY($1) AND confirmation_email_sent_at IS NOT NULL`, [live])).rows[0].n === 18,
      30_000,
      200,
    );
    const statuses = (await db.query(`SELECT status, count(*)::int AS n FROM bookings WHERE client_id = $1 GROUP BY status`, [client])).rows;
    expect(statuses.find((s) => s.status === 'confirmed')?.n).to.equal(18);
    for (const id of live)
      expect(
        system.mail.messages().filter((m) => m.messageId?.includes(id)),
        id,
      ).to.have.length(1);
  });

  it('answers 503 instead of hanging while PostgreSQL is paused, and resumes by itself without doubling a booking', async function () {
    this.timeout(90_000);
    const pro = await givenProfessional(system);
    const client = uniqueId('client');
    const token = await system.token('client', client);
    const requests = [0, 1, 2].map((slot) => ({
      body: { professional_id: pro.id, start_time: addMinutes(pro.window.start, slot * 60).toISOString(), duration_minutes: 60 },
      key: uniqueId('key'),
    }));

    const server = [postgres.pid, ...childrenOf(postgres.pid)]; // the whole server: postmaster and backends
    for (const pid of server) process.kill(pid, 'SIGSTOP');
    try {
      // Each request has 20 s before the test gives up on it (a hang fails the test).
      const answers = await Promise.all(requests.map((r) => post(token, r.body, r.key)));
      for (const a of answers) expect(a).to.include({ status: 503, code: 'service_unavailable' });
      expect(await ready()).to.equal(503);
    } finally {
      for (const pid of server) process.kill(pid, 'SIGCONT');
    }

    const ids: string[] = [];
    for (const r of requests) {
      const answer = await eventually(
        async () => {
          const a = await post(token, r.body, r.key);
          return a.status === 201 ? a : undefined;
        },
        30_000,
        300,
      );
      ids.push(answer.id!);
    }
    const stored = (await db.query(`SELECT id FROM bookings WHERE client_id = $1`, [client])).rows.map((r) => r.id);
    expect(stored.sort()).to.deep.equal(ids.sort());
  });
});
