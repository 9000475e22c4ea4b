import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import request from 'supertest';
import { PgBoss } from 'pg-boss';
import { Webhook } from 'standardwebhooks';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/testing/webhook-receiver.ts';
import { createLogger } from '../../shared/logger.ts';
import { QUEUES } from '../../shared/queue.ts';
import { createRuntime, type CommandRuntime } from '../main.ts';

/**
 * A real crash: a separate command-api process sends a webhook and is SIGKILLed while the receiver
 * holds the request open. After a restart the event is delivered again, with the same webhook-id.
 */
describe('a command-api process killed in the middle of a webhook delivery', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let receiver: WebhookReceiver;
  let child: ChildProcess | undefined;
  let restarted: CommandRuntime | undefined;
  let supervisor: PgBoss | undefined;

  before(async () => {
    // In-process API only: the workers run in the child process, and later in the restarted runtime.
    system = await startTestSystem({
      command: true,
      env: { WEBHOOKS_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_SCHEDULE: '1,1,2', WEBHOOK_TIMEOUT_MS: '3000' },
    });
    db = new pg.Pool({ connectionString: system.databaseUrl, max: 2 });
    // A job held longer than 2 s by a dead worker counts as expired (production: 60 s).
    await system.command!.deps.boss.updateQueue(QUEUES.webhookDelivery, { expireInSeconds: 2 });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await supervisor?.stop({ graceful: false });
    await restarted?.close();
    await receiver?.stop();
    await db.end();
    await system.close();
  });

  it('delivers the event after a restart, at least once, with the same webhook-id and a valid signature', async function () {
    this.timeout(60_000);
    // The first request is held open (the process dies while waiting); later ones succeed.
    receiver = await startWebhookReceiver((_req, i) => (i === 0 ? { hang: true } : { status: 204 }));
    const admin = await system.token('admin', 'ops');
    const ep = await request(system.command!.app)
      .post('/webhook-endpoints')
      .set('Authorization', `Bearer ${admin}`)
      .send({ url: receiver.url, events: ['booking.created'] });
    expect(ep.status).to.equal(201);

    child = spawn(process.execPath, ['--import', 'tsx', 'command-api/main.ts'], {
      env: { ...process.env, ...system.env, COMMAND_API_PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const pro = await givenProfessional(system);
    const booked = await book(system.command!.app, await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 30,
    });
    expect(booked.status).to.equal(201);
    await eventually(async () => receiver.requests.length === 1, 20_000, 50);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const inFlight = (await db.query(`SELECT id, status, attempt_count, lease_until FROM webhook_deliveries`)).rows;
    expect(inFlight).to.have.length(1);
    expect(inFlight[0]).to.include({ status: 'pending', attempt_count: 1 });
    expect(inFlight[0].lease_until).to.be.instanceOf(Date); // held by the dead process

    restarted = await createRuntime(system.config, { logger: createLogger({ name: 'restarted', level: system.env.LOG_LEVEL! }), workers: true });
    // pg-boss's own expiry pass, run now instead of on its 60-second schedule.
    supervisor = new PgBoss({ connectionString: system.databaseUrl, schema: system.config.queue.schema, supervise: false, monitorIntervalSeconds: 1 });
    await supervisor.start();
    await eventually(
      async () => {
        await supervisor!.supervise(QUEUES.webhookDelivery);
        return (await db.query(`SELECT 1 FROM webhook_deliveries WHERE status = 'succeeded'`)).rowCount === 1;
      },
      30_000,
      500,
    );
    expect(receiver.requests).to.have.length(2);
    const [first, second] = receiver.requests;
    expect(second!.headers['webhook-id']).to.equal(first!.headers['webhook-id']).and.equal(inFlight[0].id);
    expect(second!.body).to.equal(first!.body);
    new Webhook(ep.body.secret).verify(second!.body, second!.headers);
    expect(second!.event).to.deep.include({ type: 'booking.created' });
    expect(second!.event.data.id).to.equal(booked.body.id);
  });
});
