import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { QUEUES } from '../../shared/queue.ts';
import { expireHold } from '../holds/expire-holds.ts';

const run = promisify(execFile);

describe('Stripe events that keep failing', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, commandWorkers: true });
    db = testPool(system.databaseUrl, 2);
    // Two attempts a second apart instead of nine over about an hour.
    await system.command!.deps.boss.updateQueue(QUEUES.stripeEvent, { retryLimit: 1, retryDelay: 1 });
  });
  after(async () => {
    system.stripe.setFault({ mode: 'none' });
    await db.end();
    await system.close();
  });

  const deps = () => system.command!.deps;
  const replay = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/replay-dead-letters.ts', ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: system.databaseUrl, PGBOSS_SCHEMA: system.config.queue.schema, LOG_LEVEL: 'silent' },
    });
  const deadLettered = (eventId: string) => deps().boss.findJobs(QUEUES.stripeEventDeadLetter, { data: { event_id: eventId }, queued: true });

  /** A payment that arrives after its hold lapsed while someone else took the slot: it must be refunded. */
  async function aLatePaymentForATakenSlot() {
    const pro = await givenProfessional(system);
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    const late = await book(system.command!.app, await system.token('client', uniqueId('c')), body);
    await db.query(`UPDATE bookings SET hold_expires_at = now() - interval '1 second' WHERE id = $1`, [late.body.id]);
    await expireHold(deps(), late.body.id);
    expect((await book(system.command!.app, await system.token('client', uniqueId('c')), body)).status).to.equal(201);
    return { id: late.body.id as string, intentId: late.body.payment.payment_intent_id as string };
  }

  it('are retried, dead-lettered and counted after the last attempt, and processed once replayed', async function () {
    this.timeout(60_000);
    const b = await aLatePaymentForATakenSlot();
    const countBefore = (await deps().metrics.deadLetters.get()).values.find((v) => v.labels.queue === QUEUES.stripeEventDeadLetter)?.value ?? 0;
    system.stripe.setFault({ mode: 'error' }); // every Stripe API call answers 500: the refund cannot be made
    const event = await system.stripe.succeed(b.intentId, { force: true });

    await eventually(async () => (await deadLettered(event.id)).length === 1, 20_000, 200);
    const stored = (await db.query(`SELECT attempts, last_error, processed_at FROM stripe_events WHERE id = $1`, [event.id])).rows[0];
    expect(stored).to.include({ attempts: 2, processed_at: null });
    expect(stored.last_error).to.be.a('string').and.not.equal('');
    const counted = (await deps().metrics.deadLetters.get()).values.find((v) => v.labels.queue === QUEUES.stripeEventDeadLetter)?.value;
    expect(counted).to.equal(countBefore + 1);
    // The decision to refund is kept, so a replay refunds instead of re-deciding.
    expect((await db.query(`SELECT status, refund_status FROM bookings WHERE id = $1`, [b.id])).rows[0]).to.deep.equal({
      status: 'expired',
      refund_status: 'requested',
    });

    const dry = await replay('--dry-run');
    expect(dry.stdout).to.include(`${QUEUES.stripeEventDeadLetter}: would move 1 to ${QUEUES.stripeEvent}`);
    expect(await deadLettered(event.id)).to.have.length(1);

    system.stripe.setFault({ mode: 'none' });
    const replayed = await replay();
    expect(replayed.stdout).to.include(`${QUEUES.stripeEventDeadLetter}: moved 1 job(s) back (1 to ${QUEUES.stripeEvent})`);
    expect(replayed.stdout).to.include(`${QUEUES.confirmationEmailDeadLetter}: nothing to replay`);

    const processed = await eventually(
      async () =>
        (await db.query(`SELECT attempts, processed_at, last_error FROM stripe_events WHERE id = $1 AND processed_at IS NOT NULL`, [event.id])).rows[0],
      15_000,
      100,
    );
    expect(processed).to.include({ attempts: 3, last_error: null });
    const refunds = system.stripe.refunds().filter((r) => r.payment_intent === b.intentId);
    expect(refunds).to.have.length(1);
    expect((await db.query(`SELECT status, refund_id, refund_status FROM bookings WHERE id = $1`, [b.id])).rows[0]).to.deep.equal({
      status: 'expired',
      refund_id: refunds[0]!.id,
      refund_status: 'succeeded',
    });
    expect(await deadLettered(event.id)).to.have.length(0);
  });
});
