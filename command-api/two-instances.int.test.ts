import { testPool } from '../scripts/testing/services.ts';
import { expect } from 'chai';
import http from 'node:http';
import pg from 'pg';
import type { Express } from 'express';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, uniqueId } from '../scripts/testing/builders.ts';
import { createLogger } from '../shared/logger.ts';
import { QUEUES } from '../shared/queue.ts';
import { createApp } from './app.ts';
import { createRuntime, type CommandRuntime } from './main.ts';

/** Listens on a free port, for deliveries from the Stripe stand-in. */
async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('two command-api instances (workers included) on one database', function () {
  this.timeout(90_000);
  let system: TestSystem;
  let second: CommandRuntime;
  let instances: Array<{ app: Express; url: string }>;
  let closeSecond: () => Promise<void>;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, commandWorkers: true });
    second = await createRuntime(system.config, { logger: createLogger({ name: 'second', level: 'silent' }), workers: true });
    const app = createApp(second.deps, { ...second.appOptions, idempotencyLockSeconds: 60 });
    const served = await listen(app);
    closeSecond = async () => {
      await served.close();
      await second.close();
    };
    instances = [system.command!, { app, url: served.url }];
    db = testPool(system.databaseUrl, 3);
  });
  after(async () => {
    await db.end();
    await closeSecond();
    await system.close();
  });

  it('answers one 201 and 409 slot_taken to the rest of 24 concurrent bookings of overlapping slots spread over both', async () => {
    const pro = await givenProfessional(system);
    const clients = await Promise.all(Array.from({ length: 24 }, (_, i) => system.token('client', uniqueId(`storm-${i}`))));
    // every start is within 30 minutes of the others: any two of these 60-minute bookings overlap
    const responses = await Promise.all(
      clients.map((token, i) =>
        book(instances[i % 2]!.app, token, {
          professional_id: pro.id,
          start_time: addMinutes(pro.window.start, 5 * (i % 6)).toISOString(),
          duration_minutes: 60,
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 201),
      JSON.stringify(statuses),
    ).to.have.length(1);
    expect(responses.filter((r) => r.status === 409 && r.body.code === 'slot_taken')).to.have.length(23);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM bookings WHERE professional_id = $1 AND status IN ('pending', 'confirmed')`, [pro.id]);
    expect(rows[0].n).to.equal(1);
  });

  it('confirms each paid booking once and emails its client once when every event reaches both instances twice', async () => {
    const paid = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const pro = await givenProfessional(system);
        const client = uniqueId('payer');
        const token = await system.token('client', client, { email: `${client}@example.com` });
        const res = await book(instances[i % 2]!.app, token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        return { id: res.body.id as string, intentId: res.body.payment.payment_intent_id as string, email: `${client}@example.com` };
      }),
    );
    const events = await Promise.all(paid.map((b) => system.stripe.succeed(b.intentId, { deliver: false })));
    // each event: twice to each instance, all at once
    const deliveries = events.flatMap((event) =>
      instances.flatMap(({ url }) => [1, 2].map(() => system.stripe.deliver(event, { url: `${url}/webhooks/stripe` }))),
    );
    expect(await Promise.all(deliveries)).to.deep.equal(Array(events.length * 4).fill(200));

    for (const event of events) {
      const row = await eventually(
        async () => (await db.query(`SELECT attempts, processed_at FROM stripe_events WHERE id = $1`, [event.id])).rows[0]?.processed_at && true,
      );
      expect(row).to.equal(true);
    }
    const ids = paid.map((b) => b.id);
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM bookings WHERE id = ANY($1) AND status = 'confirmed' AND confirmation_email_sent_at IS NOT NULL`,
        [ids],
      );
      return rows[0].n === ids.length;
    }, 20_000);
    // every email job has finished, so no second email can still be on its way
    const { deps } = system.command!;
    for (const b of paid) {
      const jobs = await deps.boss.findJobs(QUEUES.confirmationEmail, { data: { booking_id: b.id } });
      expect(jobs, `email jobs of ${b.id}`).to.have.length(1);
      await eventually(async () => (await deps.boss.findJobs(QUEUES.confirmationEmail, { id: jobs[0]!.id }))[0]?.state === 'completed');
    }
    for (const b of paid) {
      const mails = system.mail.messages().filter((m) => m.messageId?.includes(b.id));
      expect(mails, `emails for ${b.id}`).to.have.length(1);
      expect(mails[0]!.to).to.deep.equal([b.email]);
    }
    const { rows } = await db.query(`SELECT attempts FROM stripe_events WHERE id = ANY($1)`, [events.map((e) => e.id)]);
    expect(rows.map((r) => r.attempts)).to.deep.equal(Array(events.length).fill(1));
  });
});
