import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import ICAL from 'ical.js';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import type { ReceivedMail } from '../../scripts/stand-ins/mail-sink.ts';
import { sendChangeEmail } from './change-emails.ts';

describe('rescheduled and cancelled emails', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, commandWorkers: true });
    db = testPool(system.databaseUrl, 2);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const app = () => system.command!.app;
  const mailsFor = (id: string) => system.mail.messages().filter((m) => m.messageId?.includes(id));
  const invite = (mail: ReceivedMail) => {
    const ics = mail.attachments.find((a) => a.filename === 'booking.ics')!.content;
    const calendar = new ICAL.Component(ICAL.parse(ics));
    return { method: calendar.getFirstPropertyValue('method'), event: new ICAL.Event(calendar.getFirstSubcomponent('vevent')!), ics };
  };
  const reschedule = (id: string, token: string, start: Date) =>
    request(app())
      .post(`/bookings/${id}/reschedule`)
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', uniqueId('k'))
      .send({ start_time: start.toISOString() });
  const cancel = (id: string, token: string) => request(app()).post(`/bookings/${id}/cancel`).set('Authorization', `Bearer ${token}`).send({});
  const emailRows = async (id: string) =>
    (await db.query(`SELECT kind, sequence, sent_at FROM booking_emails WHERE booking_id = $1 ORDER BY kind, sequence`, [id])).rows;

  async function aBooking(opts: { confirmed: boolean; hoursAhead?: number }) {
    const pro = await givenProfessional(system, {}, { start: hoursFromNow(opts.hoursAhead ?? 72), end: hoursFromNow((opts.hoursAhead ?? 72) + 8) });
    const client = uniqueId('client');
    const token = await system.token('client', client, { email: `${client}@example.com` });
    const res = await book(app(), token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 });
    expect(res.status).to.equal(201);
    const id = res.body.id as string;
    if (opts.confirmed) {
      await system.stripe.succeed(res.body.payment.payment_intent_id);
      await system.mail.waitFor((m) => m.messageId?.includes(`${id}.confirmation`) ?? false, 15_000);
    }
    return { id, token, start: pro.window.start, professionalId: pro.id };
  }

  it('sends a confirmed booking’s client one email per reschedule, each moving the same calendar event with a higher SEQUENCE', async function () {
    this.timeout(40_000);
    const b = await aBooking({ confirmed: true });
    const confirmation = invite(mailsFor(b.id)[0]!);
    expect(confirmation.event.sequence).to.equal(0);
    expect((await reschedule(b.id, b.token, addMinutes(b.start, 120))).status).to.equal(200);
    expect((await reschedule(b.id, b.token, addMinutes(b.start, 240))).status).to.equal(200);
    const second = await system.mail.waitFor((m) => m.messageId?.includes(`${b.id}.rescheduled-2`) ?? false, 15_000);
    const first = mailsFor(b.id).find((m) => m.messageId?.includes(`${b.id}.rescheduled-1`))!;
    expect(first, 'the first reschedule’s email').to.not.equal(undefined);
    for (const [mail, sequence, start] of [
      [first, 1, addMinutes(b.start, 120)],
      [second, 2, addMinutes(b.start, 240)],
    ] as const) {
      const { method, event } = invite(mail);
      expect(method).to.equal('REQUEST');
      expect(event.uid).to.equal(confirmation.event.uid);
      expect(event.sequence).to.equal(sequence);
      expect(event.startDate.toJSDate().toISOString()).to.equal(start.toISOString());
    }
    await eventually(async () => (await emailRows(b.id)).every((r) => r.sent_at));
    expect(mailsFor(b.id)).to.have.length(3);
  });

  it('sends a confirmed booking’s client one cancellation email: a CANCEL of the same event with the refund', async function () {
    this.timeout(40_000);
    const b = await aBooking({ confirmed: true });
    const confirmation = invite(mailsFor(b.id)[0]!);
    expect((await reschedule(b.id, b.token, addMinutes(b.start, 60))).status).to.equal(200);
    const res = await cancel(b.id, b.token);
    expect(res.status).to.equal(200);
    expect((await cancel(b.id, b.token)).status).to.equal(200);
    const mail = await system.mail.waitFor((m) => m.messageId?.includes(`${b.id}.cancelled`) ?? false, 15_000);
    const { method, event } = invite(mail);
    expect(method).to.equal('CANCEL');
    expect(event.uid).to.equal(confirmation.event.uid);
    expect(event.sequence).to.equal(2); // after the confirmation (0) and one reschedule (1)
    expect(mail.text.replace(/[\u00a0\u202f]/g, ' ')).to.include('Refund: GHS 90.00 of GHS 90.00');
    await eventually(async () => (await emailRows(b.id)).every((r) => r.sent_at));
    expect(mailsFor(b.id).filter((m) => m.messageId?.includes('.cancelled'))).to.have.length(1);
  });

  it('sends nothing about a pending booking rescheduled or cancelled', async function () {
    this.timeout(20_000);
    const b = await aBooking({ confirmed: false });
    expect((await reschedule(b.id, b.token, addMinutes(b.start, 60))).status).to.equal(200);
    expect((await cancel(b.id, b.token)).status).to.equal(200);
    expect(await emailRows(b.id)).to.deep.equal([]);
    expect(mailsFor(b.id)).to.have.length(0);
  });

  it('sends one email when several senders race for it', async function () {
    this.timeout(20_000);
    const b = await aBooking({ confirmed: true });
    // Recorded straight in the table: no job exists, so the senders can be driven by hand.
    await db.query(
      `INSERT INTO booking_emails (booking_id, kind, sequence, start_time, end_time, changed_at) SELECT id, 'rescheduled', 9, start_time, end_time, now() FROM bookings WHERE id = $1`,
      [b.id],
    );
    const outcomes = await Promise.all([1, 2, 3].map(() => sendChangeEmail(system.command!.deps, { booking_id: b.id, kind: 'rescheduled', sequence: 9 })));
    expect(outcomes.sort()).to.deep.equal(['already_sent', 'already_sent', 'sent']);
    expect(mailsFor(b.id).filter((m) => m.messageId?.includes('rescheduled-9'))).to.have.length(1);
  });
});
