import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { createLogger } from '../../shared/logger.ts';
import { QUEUES } from '../../shared/queue.ts';
import { createRuntime, type CommandRuntime } from '../main.ts';

/**
 * A real crash: the event is picked up by a separate command-api process, which is SIGKILLed while
 * its handler is inside the transaction. Its heartbeats stop, and with the production queue settings
 * (no test overrides) the job is handed out again within seconds, not pg-boss's default 15 minutes.
 */
describe('a command-api process killed while it processes a Stripe event', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let child: ChildProcess | undefined;
  let restarted: CommandRuntime | undefined;

  before(async () => {
    // In-process API only: the workers run in the child process, and later in the restarted runtime.
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 3);
  });
  after(async () => {
    child?.kill('SIGKILL');
    await restarted?.close();
    await db.end();
    await system.close();
  });

  function startCommandProcess(): ChildProcess {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'command-api/main.ts'], {
      env: { ...process.env, ...system.env, COMMAND_API_PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') throw new Error(`command-api child exited early (${code}): ${stderr}`);
    });
    return proc;
  }

  /** The child's handler, waiting for the booking row that this test keeps locked. */
  const blockedWorker = async () =>
    (
      await db.query(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'command-api-workers' AND wait_event_type = 'Lock'`,
      )
    ).rows[0];

  it('applies the event once after a restart: the booking is confirmed and the client emailed once', async function () {
    this.timeout(60_000);
    const pro = await givenProfessional(system);
    const client = uniqueId('client');
    const res = await book(system.command!.app, await system.token('client', client, { email: `${client}@example.com` }), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 60,
    });
    expect(res.status).to.equal(201);
    const bookingId: string = res.body.id;

    const locker = await db.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM bookings WHERE id = $1 FOR UPDATE', [bookingId]);
    child = startCommandProcess();
    const event = await system.stripe.succeed(res.body.payment.payment_intent_id);
    await eventually(blockedWorker, 20_000, 100);

    child.kill('SIGKILL');
    await once(child, 'exit');
    await locker.query('ROLLBACK'); // the dead worker's transaction can now only roll back
    locker.release();
    await eventually(async () => !(await blockedWorker()), 5_000);
    const [job] = await system.command!.deps.boss.findJobs(QUEUES.stripeEvent, { data: { event_id: event.id } });
    expect(job!.state).to.equal('active'); // still held by the dead process
    expect((await db.query(`SELECT status FROM bookings WHERE id = $1`, [bookingId])).rows[0].status).to.equal('pending');
    expect((await db.query(`SELECT attempts, processed_at FROM stripe_events WHERE id = $1`, [event.id])).rows[0]).to.deep.equal({
      attempts: 1,
      processed_at: null,
    });

    restarted = await createRuntime(system.config, { logger: createLogger({ name: 'restarted', level: system.env.LOG_LEVEL! }), workers: true });
    // Heartbeat 10 s, found by a supervisor pass every 5 s, first retry after ~2 s: well within this wait.
    const stored = await eventually(
      async () => (await db.query(`SELECT attempts, processed_at FROM stripe_events WHERE id = $1 AND processed_at IS NOT NULL`, [event.id])).rows[0],
      30_000,
      250,
    );
    expect(stored.attempts).to.equal(2);
    const booking = (await db.query(`SELECT status, confirmed_at FROM bookings WHERE id = $1`, [bookingId])).rows[0];
    expect(booking.status).to.equal('confirmed');

    await eventually(
      async () => (await db.query(`SELECT confirmation_email_sent_at FROM bookings WHERE id = $1`, [bookingId])).rows[0].confirmation_email_sent_at,
    );
    expect(system.mail.messages().filter((m) => m.messageId?.includes(bookingId))).to.have.length(1);
    const [retried] = await system.command!.deps.boss.findJobs(QUEUES.stripeEvent, { data: { event_id: event.id } });
    expect(retried).to.include({ state: 'completed', retryCount: 1 });
  });
});
