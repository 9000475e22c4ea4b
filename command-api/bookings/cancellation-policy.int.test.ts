import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';

describe('cancellation policy and who may cancel', () => {
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

  const app = () => system.command!.app;
  const admin = () => system.token('admin', 'ops');
  const TIERS = [
    { hours_before: 48, refund_percent: 100 },
    { hours_before: 2, refund_percent: 50 },
  ];
  const patch = async (id: string, body: object, token?: string) =>
    request(app())
      .patch(`/professionals/${id}`)
      .set('Authorization', `Bearer ${token ?? (await admin())}`)
      .send(body);
  const cancel = (id: string, token: string) => request(system.command!.url).post(`/bookings/${id}/cancel`).set('Authorization', `Bearer ${token}`).send({});
  const refundsOf = (intentId: string) => system.stripe.refunds().filter((r) => r.payment_intent === intentId);

  /** A confirmed booking of 45 minutes at 151 per minute (6795: odd, so rounding shows) starting `hours` from now. */
  async function aConfirmedBooking(hours: number, policy: object[] | undefined = TIERS) {
    const pro = await givenProfessional(system, { rate_per_minute: 151 }, { start: hoursFromNow(hours), end: hoursFromNow(hours + 2) });
    if (policy) expect((await patch(pro.id, { cancellation_policy: policy })).status).to.equal(200);
    const client = uniqueId('client');
    const token = await system.token('client', client);
    const res = await book(app(), token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 45 });
    expect(res.status).to.equal(201);
    const intentId = res.body.payment.payment_intent_id as string;
    await system.stripe.succeed(intentId, { deliver: false });
    await db.query(`UPDATE bookings SET status = 'confirmed', confirmed_at = now() WHERE id = $1`, [res.body.id]);
    return { id: res.body.id as string, professionalId: pro.id, token, intentId, price: 6795 };
  }

  it('shows the default policy, and replaces it with PATCH: in the answer and in the professional.updated event', async () => {
    const pro = await givenProfessional(system);
    const before = await patch(pro.id, { name: 'Ama M.' });
    expect(before.body.cancellation_policy).to.deep.equal([{ hours_before: 24, refund_percent: 100 }]);
    const proToken = await system.token('professional', 'p', { professional_id: pro.id });
    const res = await patch(pro.id, { cancellation_policy: TIERS }, proToken);
    expect(res.status).to.equal(200);
    expect(res.body.cancellation_policy).to.deep.equal(TIERS);
    const events = await db.query(
      `SELECT body::text AS body FROM webhook_events WHERE professional_id = $1 AND type = 'professional.updated' ORDER BY created_at`,
      [pro.id],
    );
    expect(JSON.parse(events.rows.at(-1)!.body).data.cancellation_policy).to.deep.equal(TIERS);
    const none = await patch(pro.id, { cancellation_policy: [] });
    expect(none.body.cancellation_policy, JSON.stringify(none.body)).to.deep.equal([]);
  });

  it('answers 400 validation_error for duplicate hours_before, percents outside 0–100 and more than 10 tiers, changing nothing', async () => {
    const pro = await givenProfessional(system);
    const bad: object[][] = [
      [
        { hours_before: 24, refund_percent: 100 },
        { hours_before: 24, refund_percent: 50 },
      ],
      [{ hours_before: 24, refund_percent: 101 }],
      [{ hours_before: 24, refund_percent: -1 }],
      [{ hours_before: 24, refund_percent: 50.5 }],
      [{ hours_before: -1, refund_percent: 50 }],
      [{ hours_before: '24', refund_percent: 50 }],
      [{ hours_before: 24 }],
      Array.from({ length: 11 }, (_, i) => ({ hours_before: i, refund_percent: 10 })),
    ];
    for (const policy of bad) {
      const res = await patch(pro.id, { cancellation_policy: policy });
      expect([res.status, res.body.code], JSON.stringify(policy)).to.deep.equal([400, 'validation_error']);
    }
    expect((await patch(pro.id, { cancellation_policy: Array.from({ length: 10 }, (_, i) => ({ hours_before: i, refund_percent: 10 })) })).status).to.equal(
      200,
    );
    const stored = await db.query(`SELECT cancellation_policy FROM professionals WHERE id = $1`, [pro.id]);
    expect(stored.rows[0].cancellation_policy).to.have.length(10);
  });

  it('refunds a client’s cancellation floor(price × p / 100) of the tier that applies, as a partial Stripe refund', async () => {
    const b = await aConfirmedBooking(10); // between 2 and 48 hours ahead: 50 %
    const res = await cancel(b.id, b.token);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'cancelled', cancelled_by: 'client' });
    expect(res.body.refund).to.include({ amount: 3397, status: 'succeeded' });
    const refunds = refundsOf(b.intentId);
    expect(refunds.map((r) => r.amount)).to.deep.equal([3397]);
    expect(res.body.refund.id).to.equal(refunds[0]!.id);
    const call = system.stripe.calls().find((c) => c.path === '/v1/refunds' && c.params.payment_intent === b.intentId)!;
    expect(call.idempotencyKey).to.equal(`booking-${b.id}-cancel-refund`);
  });

  it('refunds nothing when no tier applies', async () => {
    const b = await aConfirmedBooking(1.5);
    const res = await cancel(b.id, b.token);
    expect(res.status).to.equal(200);
    expect(res.body.refund).to.include({ amount: 0, status: 'none' });
    expect(refundsOf(b.intentId)).to.have.length(0);
  });

  it('reads the hours left from the injectable clock', async () => {
    const b = await aConfirmedBooking(60); // 100 % by the wall clock
    const deps = system.command!.deps;
    const realNow = deps.now;
    deps.now = () => new Date(Date.now() + 59 * 3_600_000); // about an hour before the start: no tier
    try {
      const res = await cancel(b.id, b.token);
      expect(res.body.refund).to.include({ amount: 0 });
    } finally {
      deps.now = realNow;
    }
  });

  it('refunds in full when the booking’s professional cancels, whatever the policy says', async () => {
    const b = await aConfirmedBooking(1.5);
    const res = await cancel(b.id, await system.token('professional', 'p', { professional_id: b.professionalId }));
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'cancelled', cancelled_by: 'professional' });
    expect(res.body.refund).to.include({ amount: b.price });
    expect(refundsOf(b.intentId).map((r) => r.amount)).to.deep.equal([b.price]);
  });

  it('lets the professional cancel a pending booking: its PaymentIntent is cancelled, nothing refunded', async () => {
    const pro = await givenProfessional(system);
    const res = await book(app(), await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 30,
    });
    const cancelled = await cancel(res.body.id, await system.token('professional', 'p', { professional_id: pro.id }));
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body).to.include({ status: 'cancelled', cancelled_by: 'professional' });
    await system.stripe.idle();
    expect(system.stripe.paymentIntent(res.body.payment.payment_intent_id)!.status).to.equal('canceled');
  });

  it('keeps the refund decided by a cancel that Stripe failed: the retry refunds that amount once, even after the policy changed', async () => {
    const b = await aConfirmedBooking(10);
    system.stripe.setFault({ mode: 'error' });
    let failed;
    try {
      failed = await cancel(b.id, b.token);
    } finally {
      system.stripe.setFault({ mode: 'none' });
    }
    expect([failed.status, failed.body.code]).to.deep.equal([502, 'payment_provider_error']);
    expect((await db.query(`SELECT status, refund_status, refund_amount FROM bookings WHERE id = $1`, [b.id])).rows[0]).to.deep.equal({
      status: 'confirmed',
      refund_status: 'requested',
      refund_amount: 3397,
    });
    expect((await patch(b.professionalId, { cancellation_policy: [{ hours_before: 0, refund_percent: 100 }] })).status).to.equal(200);
    const retried = await cancel(b.id, b.token);
    expect(retried.status).to.equal(200);
    expect(retried.body.refund).to.include({ amount: 3397 });
    expect((await cancel(b.id, b.token)).status).to.equal(200);
    expect(refundsOf(b.intentId).map((r) => r.amount)).to.deep.equal([3397]);
  });

  it('refunds once when the same cancellation arrives several times at once', async () => {
    const b = await aConfirmedBooking(72);
    const responses = await Promise.all([1, 2, 3, 4].map(() => cancel(b.id, b.token)));
    const statuses = responses.map((r) => r.status);
    expect(statuses, JSON.stringify(responses.map((r) => r.body))).to.include(200);
    for (const s of statuses) expect(s).to.be.oneOf([200, 502]);
    expect(refundsOf(b.intentId).map((r) => r.amount)).to.deep.equal([b.price]);
    const row = (await db.query(`SELECT status, refund_amount FROM bookings WHERE id = $1`, [b.id])).rows[0];
    expect(row).to.deep.equal({ status: 'cancelled', refund_amount: b.price });
  });
});
