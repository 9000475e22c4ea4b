import { expect } from 'chai';
import path from 'node:path';
import pg from 'pg';
import { startMailSink, type MailSink } from '../../scripts/stand-ins/mail-sink.ts';
import { services, testPool } from '../../scripts/testing/services.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { QUEUES } from '../../shared/queue.ts';
import { sendConfirmationEmail } from './send-confirmation-email.ts';

describe('confirmation email', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, commandWorkers: true });
    db = testPool(system.databaseUrl, 2);
    // Short retries, so "SMTP down, then up" does not wait for the production backoff.
    await system.command!.deps.boss.updateQueue(QUEUES.confirmationEmail, { retryDelay: 1 });
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const deps = () => system.command!.deps;
  const sentAt = async (id: string) =>
    (await db.query(`SELECT confirmation_email_sent_at FROM bookings WHERE id = $1`, [id])).rows[0].confirmation_email_sent_at;
  const emailResults = async (result: string) => (await deps().metrics.emails.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

  async function aPendingBooking(opts: { email?: string | null } = {}) {
    const pro = await givenProfessional(system);
    const client = uniqueId('client');
    const email = opts.email === undefined ? `${client}@example.com` : opts.email;
    const token = await system.token('client', client, email ? { email } : {});
    const res = await book(system.command!.app, token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 });
    expect(res.status).to.equal(201);
    return { id: res.body.id as string, intentId: res.body.payment.payment_intent_id as string, token };
  }

  /** Confirmed directly in SQL: no email job exists, so the sender can be driven by hand. */
  async function aConfirmedBookingWithoutJob() {
    const b = await aPendingBooking();
    await db.query(`UPDATE bookings SET status = 'confirmed', confirmed_at = now() WHERE id = $1`, [b.id]);
    return b;
  }
  const mailsFor = (sink: MailSink, id: string) => sink.messages().filter((m) => m.messageId?.includes(id));

  it('is sent once when several senders race for the same booking', async () => {
    const b = await aConfirmedBookingWithoutJob();
    const sink = system.mail;
    const outcomes = await Promise.all([1, 2, 3].map(() => sendConfirmationEmail(deps(), b.id)));
    expect(outcomes.sort()).to.deep.equal(['already_sent', 'already_sent', 'sent']);
    expect(await sentAt(b.id)).to.be.instanceOf(Date);
    expect(await sendConfirmationEmail(deps(), b.id)).to.equal('already_sent');
    expect(mailsFor(sink, b.id)).to.have.length(1);
  });

  it('is skipped, and logged, for a booking without a contact email', async () => {
    const b = await aPendingBooking({ email: null });
    const skippedBefore = await emailResults('no_contact_email');
    await system.stripe.succeed(b.intentId);
    await eventually(async () => (await emailResults('no_contact_email')) > skippedBefore, 10_000);
    expect(await sentAt(b.id)).to.equal(null);
  });

  it('is not sent for a booking cancelled before the email went out', async () => {
    const b = await aConfirmedBookingWithoutJob();
    await db.query(`UPDATE bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [b.id]);
    expect(await sendConfirmationEmail(deps(), b.id)).to.equal('not_confirmed');
    expect(await sentAt(b.id)).to.equal(null);
  });

  // Last: it replaces the system's mail sink.
  it('is retried while SMTP is down and arrives exactly once when it is back', async function () {
    this.timeout(45_000);
    const b = await aPendingBooking();
    const port = system.mail.port;
    const failedBefore = await emailResults('failed');
    await system.mail.stop();
    let sink: MailSink | undefined;
    try {
      await system.stripe.succeed(b.intentId);
      await eventually(async () => (await emailResults('failed')) > failedBefore, 15_000, 100);
      const [job] = await deps().boss.findJobs(QUEUES.confirmationEmail, { data: { booking_id: b.id } });
      expect(job!.state).to.be.oneOf(['retry', 'active', 'created']);
      expect(await sentAt(b.id)).to.equal(null);

      sink = await startMailSink({ port, dir: path.join(services().tmpDir, 'mail', uniqueId('restarted')) });
      const mail = await sink.waitFor((m) => m.messageId?.includes(b.id) ?? false, 20_000);
      expect(mail.attachments.map((a) => a.filename)).to.include('booking.ics');
      await eventually(() => sentAt(b.id), 5_000);
      await eventually(async () => (await deps().boss.findJobs(QUEUES.confirmationEmail, { id: job!.id }))[0]?.state === 'completed', 5_000);
      expect(mailsFor(sink, b.id)).to.have.length(1);
    } finally {
      await sink?.stop();
    }
  });
});
