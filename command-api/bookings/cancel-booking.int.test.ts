import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';

describe('reading and cancelling bookings', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  async function pendingBooking(window?: { start: Date; end: Date }) {
    const pro = await givenProfessional(system, {}, window);
    const clientId = uniqueId('client');
    const token = await system.token('client', clientId);
    const res = await book(system.command!.app, token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 });
    expect(res.status).to.equal(201);
    return { pro, token, clientId, booking: res.body };
  }

  /** Pays through the stand-in and records the confirmation, as the webhook worker would. */
  async function confirm(booking: { id: string; payment: { payment_intent_id: string } }) {
    await system.stripe.succeed(booking.payment.payment_intent_id, { deliver: false });
    await db.query(`UPDATE bookings SET status = 'confirmed', confirmed_at = now() WHERE id = $1`, [booking.id]);
  }

  const cancel = (id: string, token: string, body: object = {}) =>
    request(system.command!.app).post(`/bookings/${id}/cancel`).set('Authorization', `Bearer ${token}`).send(body);

  it('shows a booking to its client, its professional and an admin, and answers 404 to anyone else', async () => {
    const { pro, token, booking } = await pendingBooking();
    const get = (t: string) => request(system.command!.app).get(`/bookings/${booking.id}`).set('Authorization', `Bearer ${t}`);
    const mine = await get(token);
    expect(mine.status).to.equal(200);
    expect(mine.body).to.include({ id: booking.id, status: 'pending' });
    expect(mine.body.payment).not.to.have.property('client_secret');
    expect((await get(await system.token('professional', 'someone', { professional_id: pro.id }))).status).to.equal(200);
    expect((await get(await system.token('admin', 'root'))).status).to.equal(200);
    const stranger = await get(await system.token('client', 'mallory'));
    expect(stranger.status).to.equal(404);
    expect(stranger.body.code).to.equal('booking_not_found');
    expect((await get(await system.token('professional', 'other', { professional_id: 'other-pro' }))).status).to.equal(404);
    expect((await request(system.command!.app).get(`/bookings/not-a-uuid`).set('Authorization', `Bearer ${token}`)).status).to.equal(404);
  });

  it('refuses to let another client cancel the booking, and leaves it as it was', async () => {
    const { booking } = await pendingBooking();
    const res = await cancel(booking.id, await system.token('client', 'mallory'));
    expect(res.status).to.equal(404);
    expect((await db.query(`SELECT status FROM bookings WHERE id = $1`, [booking.id])).rows[0].status).to.equal('pending');
  });

  it('answers 404 to a professional who cancels another professional’s booking', async () => {
    const { booking } = await pendingBooking();
    const res = await cancel(booking.id, await system.token('professional', 'p', { professional_id: 'someone-else' }));
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('booking_not_found');
    expect((await db.query(`SELECT status FROM bookings WHERE id = $1`, [booking.id])).rows[0].status).to.equal('pending');
  });

  it('cancels a pending booking, cancels its PaymentIntent and frees the slot', async () => {
    const { pro, token, booking } = await pendingBooking();
    const res = await cancel(booking.id, token, { reason: 'plans changed' });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'cancelled', cancellation_reason: 'plans changed' });
    await system.stripe.idle();
    expect(system.stripe.paymentIntent(booking.payment.payment_intent_id)!.status).to.equal('canceled');
    const again = await book(system.command!.app, await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: booking.start_time,
      duration_minutes: 60,
    });
    expect(again.status).to.equal(201);
  });

  it('refunds a confirmed booking in full when cancelled at least 24 hours ahead', async () => {
    const { token, booking } = await pendingBooking({ start: hoursFromNow(72), end: hoursFromNow(80) });
    await confirm(booking);
    const res = await cancel(booking.id, token);
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('cancelled');
    expect(res.body.refund).to.include({ amount: booking.price.amount, currency: booking.price.currency });
    const refunds = system.stripe.refunds().filter((r) => r.payment_intent === booking.payment.payment_intent_id);
    expect(refunds).to.have.length(1);
    expect(refunds[0]!.amount).to.equal(booking.price.amount);
  });

  it('refunds nothing for a confirmed booking cancelled less than 24 hours ahead', async () => {
    const { token, booking } = await pendingBooking({ start: hoursFromNow(3), end: hoursFromNow(8) });
    await confirm(booking);
    const res = await cancel(booking.id, token);
    expect(res.status).to.equal(200);
    expect(res.body.refund).to.include({ amount: 0 });
    expect(system.stripe.refunds().filter((r) => r.payment_intent === booking.payment.payment_intent_id)).to.have.length(0);
  });

  it('leaves a confirmed booking confirmed when the refund fails, answering 502', async () => {
    const { token, booking } = await pendingBooking({ start: hoursFromNow(72), end: hoursFromNow(80) });
    await confirm(booking);
    system.stripe.setFault({ mode: 'error' });
    let res;
    try {
      res = await cancel(booking.id, token);
    } finally {
      system.stripe.setFault({ mode: 'none' });
    }
    expect(res.status).to.equal(502);
    expect(res.body.code).to.equal('payment_provider_error');
    expect((await db.query(`SELECT status FROM bookings WHERE id = $1`, [booking.id])).rows[0].status).to.equal('confirmed');
  });

  it('answers cancelling twice with the same cancelled booking, and cannot cancel an expired one', async () => {
    const { token, booking } = await pendingBooking();
    expect((await cancel(booking.id, token)).status).to.equal(200);
    const second = await cancel(booking.id, token);
    expect(second.status).to.equal(200);
    expect(second.body.status).to.equal('cancelled');

    const other = await pendingBooking();
    await db.query(`UPDATE bookings SET status = 'expired' WHERE id = $1`, [other.booking.id]);
    const expired = await cancel(other.booking.id, other.token);
    expect(expired.status).to.equal(409);
    expect(expired.body.code).to.equal('booking_not_cancellable');
  });

  it('lets an admin cancel any booking', async () => {
    const { booking } = await pendingBooking();
    const res = await cancel(booking.id, await system.token('admin', 'ops'));
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('cancelled');
  });
});
