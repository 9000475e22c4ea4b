import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import ICAL from 'ical.js';
import pg from 'pg';
import request from 'supertest';
import type { ReceivedMail } from '../../scripts/stand-ins/mail-sink.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import { QUEUES } from '../../shared/queue.ts';
import { expireHold } from '../holds/expire-holds.ts';

describe('Stripe event processing', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, commandWorkers: true });
    db = testPool(system.databaseUrl, 3);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const app = () => system.command!.app;
  const deps = () => system.command!.deps;

  /** A pending booking paid by a PaymentIntent of the stand-in, for a client with an email address. */
  async function aPendingBooking(opts: { professionalId?: string; start?: Date; client?: string } = {}) {
    const pro = opts.professionalId ? { id: opts.professionalId } : await givenProfessional(system, { name: 'Kofi Boateng', time_zone: 'Africa/Accra' });
    const start = opts.start ?? (pro as { window: { start: Date } }).window.start;
    const client = opts.client ?? uniqueId('client');
    const token = await system.token('client', client, { email: `${client}@example.com` });
    const res = await book(app(), token, { professional_id: pro.id, start_time: start.toISOString(), duration_minutes: 60 });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return {
      professionalId: pro.id,
      start,
      token,
      email: `${client}@example.com`,
      id: res.body.id as string,
      intentId: res.body.payment.payment_intent_id as string,
    };
  }

  const bookingRow = async (id: string) => (await db.query(`SELECT * FROM bookings WHERE id = $1`, [id])).rows[0];
  const eventRow = async (id: string) => (await db.query(`SELECT * FROM stripe_events WHERE id = $1`, [id])).rows[0];
  const processed = (eventId: string) => eventually(async () => (await eventRow(eventId))?.processed_at && (await eventRow(eventId)), 10_000);
  const emailsFor = (bookingId: string) => system.mail.messages().filter((m) => m.messageId?.includes(bookingId));
  const emailSent = (bookingId: string) => eventually(async () => (await bookingRow(bookingId)).confirmation_email_sent_at, 10_000);
  const counter = async (type: string, result: string) =>
    (await deps().metrics.webhookEvents.get()).values.find((v) => v.labels.type === type && v.labels.result === result)?.value ?? 0;

  function invite(mail: ReceivedMail) {
    const ics = mail.attachments.find((a) => a.filename === 'booking.ics');
    expect(ics, 'booking.ics attached').not.to.equal(undefined);
    const calendar = new ICAL.Component(ICAL.parse(ics!.content));
    return { calendar, event: new ICAL.Event(calendar.getFirstSubcomponent('vevent')!) };
  }

  it('confirms a paid booking and emails the client once, with the details and a valid calendar invite', async () => {
    const b = await aPendingBooking();
    const before = await counter('payment_intent.succeeded', 'processed');
    const event = await system.stripe.succeed(b.intentId);

    const stored = await processed(event.id);
    expect(stored).to.include({ attempts: 1, last_error: null });
    const row = await bookingRow(b.id);
    expect(row.status).to.equal('confirmed');
    expect(row.confirmed_at).to.be.instanceOf(Date);
    const view = await request(app()).get(`/bookings/${b.id}`).set('Authorization', `Bearer ${b.token}`);
    expect(view.body.status).to.equal('confirmed');
    expect(await counter('payment_intent.succeeded', 'processed')).to.equal(before + 1);

    await emailSent(b.id);
    const [mail, ...others] = emailsFor(b.id);
    expect(others).to.have.length(0);
    expect(mail!.to).to.deep.equal([b.email]);
    expect(mail!.from).to.equal('bookings@test.local');
    expect(mail!.messageId).to.equal(`<booking-${b.id}.confirmation@test.local>`);
    expect(mail!.subject).to.include('Booking confirmed: Kofi Boateng');
    expect(mail!.text).to.include(b.id);
    expect(mail!.text).to.include('(Africa/Accra)');
    expect(mail!.text).to.match(/GHS\s90\.00/); // 150 minor units per minute × 60 minutes
    const { calendar, event: vevent } = invite(mail!);
    expect(calendar.getFirstPropertyValue('method')).to.equal('REQUEST');
    expect(vevent.uid).to.equal(`booking-${b.id}@test.local`);
    expect(vevent.startDate.toJSDate().toISOString()).to.equal(b.start.toISOString());
    expect(vevent.endDate.toJSDate().getTime() - b.start.getTime()).to.equal(60 * 60_000);
    expect(vevent.summary).to.equal('Appointment with Kofi Boateng');
  });

  it('applies the same event delivered 5 times concurrently once: one transition, one email', async () => {
    const b = await aPendingBooking();
    const event = await system.stripe.succeed(b.intentId, { deliver: false });
    const statuses = await Promise.all(Array.from({ length: 5 }, () => system.stripe.deliver(event)));
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200]);

    expect((await processed(event.id)).attempts).to.equal(1);
    await emailSent(b.id);
    const emailJobs = await deps().boss.findJobs(QUEUES.confirmationEmail, { data: { booking_id: b.id } });
    expect(emailJobs).to.have.length(1);
    await eventually(async () => (await deps().boss.findJobs(QUEUES.confirmationEmail, { id: emailJobs[0]!.id }))[0]?.state === 'completed');
    expect(emailsFor(b.id)).to.have.length(1);
  });

  it('keeps the hold after a failed payment, records the error, and confirms when the client then pays', async () => {
    const b = await aPendingBooking();
    const failuresBefore = (await deps().metrics.paymentsFailed.get()).values[0]?.value ?? 0;
    const failed = await system.stripe.fail(b.intentId, 'Your card has insufficient funds.');
    await processed(failed.id);
    expect(await bookingRow(b.id)).to.include({ status: 'pending', payment_error: 'Your card has insufficient funds.' });
    expect((await deps().metrics.paymentsFailed.get()).values[0]?.value).to.equal(failuresBefore + 1);
    const view = await request(app()).get(`/bookings/${b.id}`).set('Authorization', `Bearer ${b.token}`);
    expect(view.body.payment.last_error).to.equal('Your card has insufficient funds.');

    const paid = await system.stripe.succeed(b.intentId);
    await processed(paid.id);
    expect((await bookingRow(b.id)).status).to.equal('confirmed');
    await emailSent(b.id);
  });

  it('expires the booking when its PaymentIntent is cancelled, so a new booking for the same slot succeeds', async () => {
    const b = await aPendingBooking();
    await deps().stripe.paymentIntents.cancel(b.intentId);
    await system.stripe.idle();
    const canceled = system.stripe.events().find((e) => e.type === 'payment_intent.canceled' && e.data.object.id === b.intentId)!;
    await processed(canceled.id);
    expect(await bookingRow(b.id)).to.include({ status: 'expired' });

    const again = await aPendingBooking({ professionalId: b.professionalId, start: b.start });
    expect((await bookingRow(again.id)).status).to.equal('pending');
  });

  it('never moves a confirmed booking backwards, whatever arrives after the success', async () => {
    const b = await aPendingBooking();
    await processed((await system.stripe.succeed(b.intentId)).id);
    const intent = system.stripe.paymentIntent(b.intentId)!;
    for (const type of ['payment_intent.canceled', 'payment_intent.payment_failed', 'payment_intent.succeeded']) {
      const late = system.stripe.buildEvent(type, { ...intent, status: type === 'payment_intent.canceled' ? 'canceled' : intent.status });
      expect(await system.stripe.deliver(late)).to.equal(200);
      await processed(late.id);
    }
    expect(await bookingRow(b.id)).to.include({ status: 'confirmed', expired_at: null, cancelled_at: null });
    await emailSent(b.id);
    expect(emailsFor(b.id)).to.have.length(1);
  });

  it('does not refund a success that arrives again for a booking confirmed and then cancelled without refund', async () => {
    // Within 24 hours of the start, a cancellation refunds nothing.
    const soon = await givenProfessional(system, {}, { start: hoursFromNow(3), end: hoursFromNow(5) });
    const b = await aPendingBooking({ professionalId: soon.id, start: soon.window.start });
    await processed((await system.stripe.succeed(b.intentId)).id);
    const cancel = await request(app()).post(`/bookings/${b.id}/cancel`).set('Authorization', `Bearer ${b.token}`).send({});
    expect(cancel.status).to.equal(200);
    const again = system.stripe.buildEvent('payment_intent.succeeded', system.stripe.paymentIntent(b.intentId)!);
    expect(await system.stripe.deliver(again)).to.equal(200);
    await processed(again.id);
    expect(system.stripe.refunds().filter((r) => r.payment_intent === b.intentId)).to.have.length(0);
    expect((await bookingRow(b.id)).status).to.equal('cancelled');
  });

  describe('a payment that succeeds after the hold lapsed', () => {
    async function anExpiredBooking() {
      const b = await aPendingBooking();
      await db.query(`UPDATE bookings SET hold_expires_at = now() - interval '1 second' WHERE id = $1`, [b.id]);
      expect(await expireHold(deps(), b.id)).to.equal('expired');
      expect(system.stripe.paymentIntent(b.intentId)!.status).to.equal('canceled');
      return b;
    }

    it('confirms it when the slot is still free, and occupies the slot again', async () => {
      const b = await anExpiredBooking();
      const paid = await system.stripe.succeed(b.intentId, { force: true });
      await processed(paid.id);
      const row = await bookingRow(b.id);
      expect(row).to.include({ status: 'confirmed', refund_id: null });
      await emailSent(b.id);
      expect(system.stripe.refunds().filter((r) => r.payment_intent === b.intentId)).to.have.length(0);

      const other = await book(app(), await system.token('client', uniqueId('client')), {
        professional_id: b.professionalId,
        start_time: b.start.toISOString(),
        duration_minutes: 60,
      });
      expect(other.status).to.equal(409);
    });

    it('refunds it when the slot was taken meanwhile: the booking stays expired and the other booking is untouched', async () => {
      const b = await anExpiredBooking();
      const taker = await aPendingBooking({ professionalId: b.professionalId, start: b.start });
      const paid = await system.stripe.succeed(b.intentId, { force: true });
      await processed(paid.id);

      const refunds = system.stripe.refunds().filter((r) => r.payment_intent === b.intentId);
      expect(refunds).to.have.length(1);
      expect(refunds[0]!.amount).to.equal(9000);
      const row = await bookingRow(b.id);
      expect(row).to.include({ status: 'expired', refund_id: refunds[0]!.id, refund_amount: 9000, refund_status: 'succeeded', confirmed_at: null });
      expect(row.refunded_at).to.be.instanceOf(Date);
      const refundCall = system.stripe.calls().find((c) => c.path === '/v1/refunds' && c.params.payment_intent === b.intentId)!;
      expect(refundCall.idempotencyKey).to.equal(`booking-${b.id}-late-payment-refund`);
      expect(await bookingRow(taker.id)).to.include({ status: 'pending', refund_id: null });

      // Stripe then reports the refund on the charge; recording it changes nothing else.
      await system.stripe.idle();
      const refunded = system.stripe.events().find((e) => e.type === 'charge.refunded' && e.data.object.payment_intent === b.intentId)!;
      await processed(refunded.id);
      expect(await bookingRow(b.id)).to.include({ status: 'expired', refund_id: refunds[0]!.id, refund_amount: 9000 });
      expect(emailsFor(b.id)).to.have.length(0);
    });

    it('refunds it when the client cancelled the booking, even if the slot is free', async () => {
      const b = await aPendingBooking();
      const cancel = await request(app()).post(`/bookings/${b.id}/cancel`).set('Authorization', `Bearer ${b.token}`).send({});
      expect(cancel.status).to.equal(200);
      const paid = await system.stripe.succeed(b.intentId, { force: true });
      await processed(paid.id);
      const row = await bookingRow(b.id);
      expect(row).to.include({ status: 'cancelled', refund_amount: 9000, refund_status: 'succeeded' });
      expect(row.refund_id).to.match(/^re_/);
    });
  });

  it('records a refund reported by charge.refunded without changing the booking’s status', async () => {
    const b = await aPendingBooking();
    await processed((await system.stripe.succeed(b.intentId)).id);
    await deps().stripe.refunds.create({ payment_intent: b.intentId, amount: 2500 });
    await system.stripe.idle();
    const refunded = system.stripe.events().find((e) => e.type === 'charge.refunded' && e.data.object.payment_intent === b.intentId)!;
    await processed(refunded.id);
    expect(await bookingRow(b.id)).to.include({ status: 'confirmed', refund_amount: 2500, refund_status: 'succeeded' });
  });

  it('finds the booking through metadata.booking_id when the event overtakes the stored PaymentIntent id', async () => {
    const b = await aPendingBooking();
    await db.query(`UPDATE bookings SET payment_intent_id = NULL WHERE id = $1`, [b.id]);
    await processed((await system.stripe.succeed(b.intentId)).id);
    expect(await bookingRow(b.id)).to.include({ status: 'confirmed', payment_intent_id: b.intentId });
  });

  it('marks events for unknown PaymentIntents and of unhandled types processed as ignored, without retrying them', async () => {
    const unknownBefore = await counter('payment_intent.succeeded', 'ignored');
    const stranger = system.stripe.buildEvent('payment_intent.succeeded', { id: 'pi_from_another_system', object: 'payment_intent', metadata: {} });
    const other = system.stripe.buildEvent('customer.created', { id: 'cus_123', object: 'customer' });
    for (const e of [stranger, other]) {
      expect(await system.stripe.deliver(e)).to.equal(200);
      expect(await processed(e.id)).to.include({ attempts: 1, last_error: null });
    }
    expect(await counter('payment_intent.succeeded', 'ignored')).to.equal(unknownBefore + 1);
    expect(await counter('customer.created', 'ignored')).to.equal(1);
  });
});
