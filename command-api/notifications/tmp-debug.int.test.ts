import pg from 'pg';
import { startTestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { QUEUES } from '../../shared/queue.ts';
it('debug', async function () {
  this.timeout(60000);
  const system = await startTestSystem({ command: true, commandWorkers: true });
  const db = new pg.Pool({ connectionString: system.databaseUrl, max: 2 });
  await system.command!.deps.boss.updateQueue(QUEUES.confirmationEmail, { retryDelay: 1 });
  console.log((await db.query(`select name, retry_delay, retry_backoff, retry_delay_max, retry_limit from pgboss.queue where name like 'confirmation%'`)).rows);
  const pro = await givenProfessional(system);
  const token = await system.token('client', 'x', { email: 'x@example.com' });
  const res = await book(system.command!.app, token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 });
  await system.mail.stop();
  await system.stripe.succeed(res.body.payment.payment_intent_id);
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    console.log((await db.query(`select state, retry_count, retry_delay, retry_backoff, start_after - now() as wait, started_on from pgboss.job where name = 'confirmation-email'`)).rows);
  }
  await db.end(); await system.close();
});
