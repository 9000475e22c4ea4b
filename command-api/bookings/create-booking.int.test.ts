import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import request from 'supertest';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import { createApp } from '../app.ts';
import { createRuntime } from '../main.ts';
import { createLogger } from '../../shared/logger.ts';

describe('POST /bookings', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 3);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const clientToken = (sub = uniqueId('client')) => system.token('client', sub, { email: `${sub}@example.com` });
  const liveBookings = async (professionalId: string) =>
    (await db.query(`SELECT id, start_time, end_time FROM bookings WHERE professional_id = $1 AND status IN ('pending','confirmed')`, [professionalId])).rows;

  it('answers 201 with the pending booking, its price in minor units and the PaymentIntent client secret', async () => {
    const pro = await givenProfessional(system, { rate_per_minute: 150, currency: 'GHS' });
    const start = addMinutes(pro.window.start, 60);
    const res = await book(system.command!.app, await clientToken('alice'), {
      professional_id: pro.id,
      start_time: start.toISOString(),
      duration_minutes: 45,
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ professional_id: pro.id, client_id: 'alice', status: 'pending', duration_minutes: 45 });
    expect(res.body.start_time).to.equal(start.toISOString());
    expect(res.body.end_time).to.equal(addMinutes(start, 45).toISOString());
    expect(res.body.price).to.deep.equal({ amount: 150 * 45, currency: 'GHS' });
    const holdMs = new Date(res.body.hold_expires_at).getTime() - Date.now();
    expect(holdMs).to.be.within(14 * 60_000, 15 * 60_000 + 1000);
    expect(res.body.payment.provider).to.equal('stripe');
    expect(res.body.payment.payment_intent_id).to.match(/^pi_/);
    expect(res.body.payment.client_secret).to.match(new RegExp(`^${res.body.payment.payment_intent_id}_secret_`));

    const intent = system.stripe.paymentIntent(res.body.payment.payment_intent_id)!;
    expect(intent.amount).to.equal(6750);
    expect(intent.currency).to.equal('ghs');
    expect(intent.metadata).to.include({ booking_id: res.body.id });
    const stored = await db.query(`SELECT status, payment_intent_id, contact_email FROM bookings WHERE id = $1`, [res.body.id]);
    expect(stored.rows[0]).to.deep.equal({ status: 'pending', payment_intent_id: intent.id, contact_email: 'alice@example.com' });
  });

  it('gives exactly one of 50 concurrent clients the slot; the others get 409 slot_taken and no 5xx', async () => {
    const pro = await givenProfessional(system);
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    const tokens = await Promise.all(Array.from({ length: 50 }, () => clientToken()));
    const responses = await Promise.all(tokens.map((t) => book(system.command!.url as never, t, body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).to.have.length(1);
    expect(statuses.filter((s) => s === 409)).to.have.length(49);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.code).to.equal('slot_taken');
    expect(await liveBookings(pro.id)).to.have.length(1);
  });

  it('makes overlapping but different intervals conflict, under concurrency too', async () => {
    const pro = await givenProfessional(system);
    const s = pro.window.start;
    const intervals = [
      [s, 60],
      [addMinutes(s, 30), 60],
      [addMinutes(s, 15), 30],
      [addMinutes(s, -0), 120],
      [addMinutes(s, 40), 15], // every pair overlaps, so exactly one can win whatever the order
    ] as const;
    const responses = await Promise.all(
      intervals.map(async ([start, minutes]) =>
        book(system.command!.url as never, await clientToken(), { professional_id: pro.id, start_time: start.toISOString(), duration_minutes: minutes }),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).to.have.length(1);
    expect(responses.filter((r) => r.status === 409 && r.body.code === 'slot_taken')).to.have.length(4);
    expect(await liveBookings(pro.id)).to.have.length(1);
  });

  it('books adjacent [10:00, 11:00) and [11:00, 12:00) slots both', async () => {
    const pro = await givenProfessional(system);
    const first = pro.window.start;
    const second = addMinutes(first, 60);
    const [a, b] = await Promise.all([
      book(system.command!.url as never, await clientToken(), { professional_id: pro.id, start_time: first.toISOString(), duration_minutes: 60 }),
      book(system.command!.url as never, await clientToken(), { professional_id: pro.id, start_time: second.toISOString(), duration_minutes: 60 }),
    ]);
    expect([a.status, b.status]).to.deep.equal([201, 201]);
    expect(await liveBookings(pro.id)).to.have.length(2);
  });

  it('keeps one booking when two command-api instances on one database race for the slot', async () => {
    const other = await createRuntime(system.config, { logger: createLogger({ name: 'second', level: 'silent' }), workers: false });
    try {
      const secondApp = createApp(other.deps);
      const pro = await givenProfessional(system);
      const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 };
      const responses = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => book(i % 2 === 0 ? system.command!.app : secondApp, await clientToken(), body)),
      );
      expect(responses.filter((r) => r.status === 201)).to.have.length(1);
      expect(responses.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'slot_taken'))).to.equal(true);
      expect(await liveBookings(pro.id)).to.have.length(1);
    } finally {
      await other.close();
    }
  });

  it('answers 422 outside_availability for a slot that leaves the window', async () => {
    const pro = await givenProfessional(system);
    const res = await book(system.command!.app, await clientToken(), {
      professional_id: pro.id,
      start_time: addMinutes(pro.window.end, -30).toISOString(),
      duration_minutes: 60,
    });
    expect(res.status).to.equal(422);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status: 422, code: 'outside_availability' });
  });

  it('answers 422 start_in_past for a start that has passed, even inside a window', async () => {
    const pro = await givenProfessional(system, {}, { start: hoursFromNow(-5), end: hoursFromNow(5) });
    const res = await book(system.command!.app, await clientToken(), {
      professional_id: pro.id,
      start_time: hoursFromNow(-2).toISOString(),
      duration_minutes: 60,
    });
    expect(res.status).to.equal(422);
    expect(res.body.code).to.equal('start_in_past');
  });

  it('answers 404 professional_not_found for an unknown or inactive professional', async () => {
    const unknown = await book(system.command!.app, await clientToken(), {
      professional_id: 'nobody-here',
      start_time: hoursFromNow(30).toISOString(),
      duration_minutes: 60,
    });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.code).to.equal('professional_not_found');

    const pro = await givenProfessional(system);
    const admin = await system.token('admin', 'admin-1');
    await request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ active: false }).expect(200);
    const inactive = await book(system.command!.app, await clientToken(), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 60,
    });
    expect(inactive.status).to.equal(404);
    expect(inactive.body.code).to.equal('professional_not_found');
  });

  it('answers 502 payment_provider_error when Stripe is down and frees the slot again', async () => {
    const pro = await givenProfessional(system);
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    system.stripe.setFault({ mode: 'error' });
    let res;
    try {
      res = await book(system.command!.app, await clientToken(), body);
    } finally {
      system.stripe.setFault({ mode: 'none' });
    }
    expect(res.status).to.equal(502);
    expect(res.body.code).to.equal('payment_provider_error');
    expect(await liveBookings(pro.id)).to.have.length(0);
    const retry = await book(system.command!.app, await clientToken(), body);
    expect(retry.status).to.equal(201);
  });

  it('lets the same key run again after a 502, and books then', async () => {
    const pro = await givenProfessional(system);
    const token = await clientToken();
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    system.stripe.setFault({ mode: 'error' });
    let first;
    try {
      first = await book(system.command!.app, token, body, 'retry-after-502');
    } finally {
      system.stripe.setFault({ mode: 'none' });
    }
    expect(first.status).to.equal(502);
    const second = await book(system.command!.app, token, body, 'retry-after-502');
    expect(second.status).to.equal(201);
    expect(second.headers['idempotent-replayed']).to.equal(undefined);
    expect(await liveBookings(pro.id)).to.have.length(1);
  });
});
