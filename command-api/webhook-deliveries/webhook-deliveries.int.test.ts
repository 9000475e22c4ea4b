import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/testing/webhook-receiver.ts';
import { expireHold } from '../holds/expire-holds.ts';
import { PER_ENDPOINT_CONCURRENCY } from './webhook-workers.ts';

describe('outgoing webhooks delivered to a real receiver', function () {
  this.timeout(60_000); // retries on a 1,1,2 s schedule, and a shared machine
  let system: TestSystem;
  let db: pg.Pool;
  let admin: string;
  const receivers: WebhookReceiver[] = [];

  before(async () => {
    system = await startTestSystem({
      commandWorkers: true,
      env: { WEBHOOKS_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_SCHEDULE: '1,1,2', WEBHOOK_TIMEOUT_MS: '1500' },
    });
    db = new pg.Pool({ connectionString: system.databaseUrl, max: 3 });
    admin = await system.token('admin', 'ops');
  });
  // Every endpoint subscribes to every booking of the system: each test starts without the others'.
  afterEach(async () => {
    await db.query(`DELETE FROM webhook_endpoints`);
    for (const r of receivers.splice(0)) await r.stop();
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const app = () => system.command!.app;
  async function receiver(...args: Parameters<typeof startWebhookReceiver>) {
    const r = await startWebhookReceiver(...args);
    receivers.push(r);
    return r;
  }
  async function endpoint(url: string, events: string[], token = admin): Promise<{ id: string; secret: string }> {
    const res = await request(app()).post('/webhook-endpoints').set('Authorization', `Bearer ${token}`).send({ url, events });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }
  async function newBooking(pro?: { id: string; window: { start: Date } }, offsetMinutes = 0) {
    const p = pro ?? (await givenProfessional(system));
    const res = await book(app(), await system.token('client', uniqueId('c')), {
      professional_id: p.id,
      start_time: addMinutes(p.window.start, offsetMinutes).toISOString(),
      duration_minutes: 30,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { id: res.body.id as string, intent: res.body.payment.payment_intent_id as string, professionalId: p.id };
  }
  const deliveries = async (endpointId: string, query = '') => {
    const res = await request(app()).get(`/webhook-endpoints/${endpointId}/deliveries${query}`).set('Authorization', `Bearer ${admin}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { data: Array<Record<string, any>>; page: { next_cursor: string | null } };
  };
  const types = (r: WebhookReceiver, id: string) => r.about(id).map((x) => x.event.type);
  /** Waits until Stripe's charge.refunded for this PaymentIntent has been processed. */
  const refundReported = (intent: string) =>
    eventually(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM stripe_events WHERE type = 'charge.refunded' AND payload->'data'->'object'->>'payment_intent' = $1 AND processed_at IS NOT NULL`,
            [intent],
          )
        ).rowCount === 1,
      10_000,
    );

  it('signs every delivery per Standard Webhooks so the standardwebhooks library verifies it, body { type, timestamp, data }', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['booking.created', 'booking.confirmed']);
    const b = await newBooking();
    await system.stripe.succeed(b.intent);
    await eventually(async () => r.about(b.id).length === 2, 15_000);
    expect(types(r, b.id)).to.deep.equal(['booking.created', 'booking.confirmed']);
    const wh = new Webhook(ep.secret);
    for (const req of r.about(b.id)) {
      const verified = wh.verify(req.body, req.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(Object.keys(verified)).to.deep.equal(['type', 'timestamp', 'data']);
      expect(req.headers['webhook-signature']).to.match(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(req.headers['content-type']).to.equal('application/json');
    }
    const [created, confirmed] = r.about(b.id);
    expect(created!.event.data).to.include({ id: b.id, status: 'pending', professional_id: b.professionalId });
    expect(confirmed!.event.data).to.include({ id: b.id, status: 'confirmed' });
    // data is the GET /bookings/:id view (as of the change)
    const view = await request(app()).get(`/bookings/${b.id}`).set('Authorization', `Bearer ${admin}`);
    expect(Object.keys(confirmed!.event.data).sort()).to.deep.equal(Object.keys(view.body).sort());
    // webhook-id is the delivery's id, one per event and endpoint
    const log = await deliveries(ep.id);
    expect(log.data.map((d) => d.id).sort()).to.deep.equal(
      r
        .about(b.id)
        .map((x) => x.headers['webhook-id'])
        .sort(),
    );
    expect(log.data.every((d) => d.status === 'succeeded' && d.attempts.length === 1 && d.attempts[0].response_status === 204)).to.equal(true);
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(created!.body, created!.headers)).to.throw();
  });

  it('retries a failed delivery with the same webhook-id until the receiver answers 2xx', async () => {
    const r = await receiver((_req, i) => (i < 2 ? { status: 503, body: 'busy' } : { status: 200 }));
    const ep = await endpoint(r.url, ['booking.created']);
    const b = await newBooking();
    await eventually(async () => (await deliveries(ep.id)).data[0]?.status === 'succeeded', 15_000, 100);
    expect(r.requests).to.have.length(3);
    expect(new Set(r.requests.map((x) => x.headers['webhook-id'])).size).to.equal(1);
    expect(new Set(r.requests.map((x) => x.body)).size).to.equal(1);
    for (const req of r.requests) new Webhook(ep.secret).verify(req.body, req.headers);
    const [d] = (await deliveries(ep.id)).data;
    expect(d!.event).to.include({ type: 'booking.created' });
    expect(d!.attempts.map((a: any) => a.response_status)).to.deep.equal([503, 503, 200]);
    expect(d!.attempts[0].error).to.equal('HTTP 503: busy');
    expect(d!.payload.data.id).to.equal(b.id);
  });

  it('marks a delivery failed once the schedule is spent, then lets the booking’s later events through', async () => {
    let failing = true;
    const r = await receiver(() => (failing ? { status: 500 } : { status: 204 }));
    const ep = await endpoint(r.url, ['booking.created', 'booking.cancelled']);
    const b = await newBooking();
    const [failed] = await eventually(
      async () => {
        const log = await deliveries(ep.id, '?status=failed');
        return log.data.length === 1 && log.data;
      },
      20_000,
      100,
    );
    expect(failed!.attempt_count).to.equal(4); // first attempt and the 3 retries of 1,1,2
    expect(failed!.next_attempt_at).to.equal(null);
    failing = false;
    const client = (await db.query(`SELECT client_id FROM bookings WHERE id = $1`, [b.id])).rows[0].client_id;
    const cancel = await request(app())
      .post(`/bookings/${b.id}/cancel`)
      .set('Authorization', `Bearer ${await system.token('client', client)}`)
      .send({});
    expect(cancel.status).to.equal(200);
    await eventually(async () => types(r, b.id).includes('booking.cancelled'), 10_000);
    expect(types(r, b.id)).to.deep.equal(['booking.created', 'booking.created', 'booking.created', 'booking.created', 'booking.cancelled']);

    // A manual retry sends the failed delivery again now, with the same webhook-id.
    const retried = await request(app()).post(`/webhook-endpoints/${ep.id}/deliveries/${failed!.id}/retry`).set('Authorization', `Bearer ${admin}`);
    expect(retried.status).to.equal(202);
    expect(retried.body).to.include({ id: failed!.id, status: 'pending' });
    await eventually(async () => r.requests.filter((x) => x.headers['webhook-id'] === failed!.id).length === 5, 10_000);
    await eventually(async () => (await deliveries(ep.id, '?status=succeeded')).data.length === 2, 10_000, 100);
    expect(types(r, b.id)).to.deep.equal([...Array(4).fill('booking.created'), 'booking.cancelled', 'booking.created']);
  });

  it('delivers everything, with the ids it logged, once a receiver that was down comes back', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['booking.created']);
    await r.down();
    const bookings = [await newBooking(), await newBooking()];
    await eventually(async () => (await deliveries(ep.id)).data.filter((d) => d.attempt_count >= 2).length === 2, 15_000, 100);
    const log = await deliveries(ep.id);
    expect(log.data.every((d) => d.status === 'pending' && d.attempts[0].result === 'connection_error')).to.equal(true);
    await r.up();
    await eventually(async () => (await deliveries(ep.id)).data.every((d) => d.status === 'succeeded'), 15_000, 100);
    expect(r.requests.map((x) => x.event.data.id).sort()).to.deep.equal(bookings.map((b) => b.id).sort());
    expect(r.requests.map((x) => x.headers['webhook-id']).sort()).to.deep.equal(log.data.map((d) => d.id).sort());
  });

  it('counts a stalled answer, a huge body and a redirect as failures, retries them, and never follows the redirect', async () => {
    const target = await receiver();
    const r = await receiver(
      (_req, i) => [{ hang: true as const }, { hugeBodyBytes: 2 * 1024 * 1024 }, { status: 302, headers: { location: target.url } }][i] ?? { status: 200 },
    );
    const ep = await endpoint(r.url, ['booking.created']);
    await newBooking();
    const d = await eventually(
      async () => {
        const [x] = (await deliveries(ep.id)).data;
        return x?.status === 'succeeded' && x;
      },
      20_000,
      100,
    );
    expect(d.attempts.map((a: any) => a.result)).to.deep.equal(['timeout', 'body_too_large', 'redirect', 'success']);
    expect(d.attempts.map((a: any) => a.response_status)).to.deep.equal([null, 200, 302, 200]);
    expect(target.requests).to.have.length(0);
  });

  it('signs with both the old and the new secret for 24 hours after a rotation, then with the new one only', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['booking.created']);
    const rotated = await request(app()).post(`/webhook-endpoints/${ep.id}/rotate-secret`).set('Authorization', `Bearer ${admin}`);
    expect(rotated.status).to.equal(200);
    expect(rotated.body.secret)
      .to.match(/^whsec_/)
      .and.not.equal(ep.secret);
    const during = await newBooking();
    await eventually(async () => r.about(during.id).length === 1, 10_000);
    const req = r.about(during.id)[0]!;
    expect(req.headers['webhook-signature']!.split(' ')).to.have.length(2);
    new Webhook(ep.secret).verify(req.body, req.headers); // a receiver that has not switched yet
    new Webhook(rotated.body.secret).verify(req.body, req.headers);

    await db.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [ep.id]);
    const after = await newBooking();
    await eventually(async () => r.about(after.id).length === 1, 10_000);
    const later = r.about(after.id)[0]!;
    expect(later.headers['webhook-signature']!.split(' ')).to.have.length(1);
    new Webhook(rotated.body.secret).verify(later.body, later.headers);
    expect(() => new Webhook(ep.secret).verify(later.body, later.headers)).to.throw(/No matching signature/);
  });

  it('sends a professional’s endpoint only the events of its own bookings and profile; an admin’s gets everyone’s', async () => {
    const [mine, theirs] = [await givenProfessional(system), await givenProfessional(system)];
    const [proReceiver, adminReceiver] = [await receiver(), await receiver()];
    const all = ['booking.created', 'professional.updated'];
    await endpoint(proReceiver.url, all, await system.token('professional', mine.id, { professional_id: mine.id }));
    await endpoint(adminReceiver.url, all);
    const [a, b] = [await newBooking(mine), await newBooking(theirs)];
    for (const p of [mine, theirs]) {
      const res = await request(app()).patch(`/professionals/${p.id}`).set('Authorization', `Bearer ${admin}`).send({ name: 'Renamed' });
      expect(res.status).to.equal(200);
    }
    await eventually(
      async () =>
        adminReceiver.about(a.id).length + adminReceiver.about(b.id).length + adminReceiver.about(mine.id).length + adminReceiver.about(theirs.id).length === 4,
      10_000,
    );
    await eventually(async () => proReceiver.requests.length >= 2, 10_000);
    expect(proReceiver.requests.map((x) => [x.event.type, x.event.data.id])).to.have.deep.members([
      ['booking.created', a.id],
      ['professional.updated', mine.id],
    ]);
    const profile = proReceiver.about(mine.id)[0]!.event.data;
    expect(profile).to.include({ id: mine.id, name: 'Renamed' });
  });

  it('disables an endpoint that has failed for 5 days, saying why, and resumes its deliveries when enabled again', async () => {
    let failing = true;
    const r = await receiver(() => (failing ? { status: 500 } : { status: 204 }));
    const ep = await endpoint(r.url, ['booking.created']);
    await db.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [ep.id]);
    const b = await newBooking();
    const disabled = await eventually(
      async () => {
        const res = await request(app()).get(`/webhook-endpoints/${ep.id}`).set('Authorization', `Bearer ${admin}`);
        return res.body.status === 'disabled' && res.body;
      },
      10_000,
      100,
    );
    expect(disabled.disabled_reason)
      .to.match(/5 days/)
      .and.match(/HTTP 500/);
    expect(r.requests).to.have.length(1); // paused: no more attempts while disabled
    const [pending] = (await deliveries(ep.id)).data;
    expect(pending!.status).to.equal('pending');

    failing = false;
    const enabled = await request(app()).patch(`/webhook-endpoints/${ep.id}`).set('Authorization', `Bearer ${admin}`).send({ status: 'enabled' });
    expect(enabled.status).to.equal(200);
    expect(enabled.body).to.include({ status: 'enabled' }).and.not.have.property('disabled_reason');
    await eventually(async () => (await deliveries(ep.id)).data[0]?.status === 'succeeded', 10_000, 100);
    expect(r.about(b.id)).to.have.length(2);
  });

  it('writes exactly one event for the one booking that 10 concurrent clients race for, and none for the losers', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['booking.created']);
    const pro = await givenProfessional(system);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => system.token('client', uniqueId('c'))));
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 };
    const results = await Promise.all(tokens.map((t) => book(app(), t, body)));
    const winner = results.find((x) => x.status === 201)!;
    expect(results.filter((x) => x.status === 409)).to.have.length(9);
    const events = await db.query(`SELECT booking_id FROM webhook_events WHERE professional_id = $1 AND type = 'booking.created'`, [pro.id]);
    expect(events.rows).to.deep.equal([{ booking_id: winner.body.id }]);
    await eventually(async () => r.about(winner.body.id).length === 1, 10_000);
    expect((await deliveries(ep.id)).data).to.have.length(1);
  });

  it('lets one dead endpoint hold only its share of the workers while the others are served', async () => {
    const dead = await receiver(() => ({ hang: true }));
    const healthy = await receiver();
    const deadEp = await endpoint(dead.url, ['booking.created']);
    await endpoint(healthy.url, ['booking.created']);
    const pro = await givenProfessional(system);
    const bookings: Array<{ id: string }> = [];
    for (let i = 0; i < 12; i++) bookings.push(await newBooking(pro, i * 30));
    await eventually(async () => bookings.every((b) => healthy.about(b.id).length === 1), 20_000, 100);
    await eventually(async () => dead.requests.length >= bookings.length, 30_000, 100); // all 12 lanes wanted to run
    expect(dead.maxInFlight).to.be.at.most(PER_ENDPOINT_CONCURRENCY);
    const log = await deliveries(deadEp.id);
    expect(log.data.filter((d) => d.payload.data.professional_id === pro.id && d.status === 'pending').length).to.be.greaterThan(0);
  });

  it('reports every lifecycle change once: expiry, a Stripe failure, a cancellation with its refund', async () => {
    const r = await receiver();
    await endpoint(r.url, ['booking.created', 'booking.confirmed', 'booking.cancelled', 'booking.expired', 'booking.refunded']);
    const eventsOf = async (id: string) =>
      (await db.query(`SELECT type FROM webhook_events WHERE booking_id = $1 ORDER BY created_at, type`, [id])).rows.map((x) => x.type);

    const lapsed = await newBooking();
    await db.query(`UPDATE bookings SET hold_expires_at = now() - interval '1 second' WHERE id = $1`, [lapsed.id]);
    expect(await expireHold(system.command!.deps, lapsed.id)).to.equal('expired');
    await system.stripe.idle(); // payment_intent.canceled comes back from Stripe: the booking is already expired

    const pro = await givenProfessional(system);
    system.stripe.setFault({ mode: 'error' });
    const failed = await book(app(), await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 30,
    });
    system.stripe.setFault({ mode: 'none' });
    expect(failed.status).to.equal(502);
    const [released] = (await db.query(`SELECT id FROM bookings WHERE professional_id = $1`, [pro.id])).rows;

    const paid = await newBooking(pro, 60); // two days ahead: a full refund
    await system.stripe.succeed(paid.intent);
    await eventually(async () => (await db.query(`SELECT 1 FROM bookings WHERE id = $1 AND status = 'confirmed'`, [paid.id])).rowCount === 1, 10_000);
    const client = (await db.query(`SELECT client_id FROM bookings WHERE id = $1`, [paid.id])).rows[0].client_id;
    const cancel = await request(app())
      .post(`/bookings/${paid.id}/cancel`)
      .set('Authorization', `Bearer ${await system.token('client', client)}`)
      .send({});
    expect(cancel.status).to.equal(200);
    expect(cancel.body.refund.amount).to.be.greaterThan(0);
    await system.stripe.idle(); // charge.refunded reports the same refund again
    await refundReported(paid.intent);

    expect(await eventsOf(lapsed.id)).to.deep.equal(['booking.created', 'booking.expired']);
    expect(await eventsOf(released.id)).to.deep.equal(['booking.created', 'booking.expired']);
    expect(await eventsOf(paid.id)).to.have.members(['booking.created', 'booking.confirmed', 'booking.cancelled', 'booking.refunded']);
    expect(await eventsOf(paid.id)).to.have.length(4);
    await eventually(async () => r.about(paid.id).length === 4, 10_000);
    expect(types(r, paid.id)).to.deep.equal(['booking.created', 'booking.confirmed', 'booking.cancelled', 'booking.refunded']);
    const refunded = r.about(paid.id)[3]!.event.data as unknown as { status: string; refund: { amount: number } };
    expect(refunded.status).to.equal('cancelled');
    expect(refunded.refund.amount).to.equal(cancel.body.refund.amount);
    await eventually(async () => types(r, lapsed.id).length === 2, 10_000);
    expect(types(r, lapsed.id)).to.deep.equal(['booking.created', 'booking.expired']);
  });

  it('reports an automatic refund of a late payment once, though Stripe reports it too', async () => {
    const r = await receiver();
    await endpoint(r.url, ['booking.expired', 'booking.refunded', 'booking.confirmed']);
    const pro = await givenProfessional(system);
    const late = await newBooking(pro);
    await db.query(`UPDATE bookings SET hold_expires_at = now() - interval '1 second' WHERE id = $1`, [late.id]);
    await expireHold(system.command!.deps, late.id);
    await newBooking(pro); // someone else takes the slot
    await system.stripe.succeed(late.intent, { force: true });
    await eventually(async () => (await db.query(`SELECT 1 FROM bookings WHERE id = $1 AND refund_status = 'succeeded'`, [late.id])).rowCount === 1, 15_000);
    await system.stripe.idle();
    await refundReported(late.intent);
    await eventually(async () => types(r, late.id).length === 2, 10_000);
    expect(types(r, late.id)).to.deep.equal(['booking.expired', 'booking.refunded']);
    const refunded = r.about(late.id)[1]!.event.data as unknown as { status: string; refund: { amount: number; status: string } };
    expect(refunded.status).to.equal('expired');
    expect(refunded.refund).to.include({ status: 'succeeded' });
    expect((await db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE booking_id = $1 AND type = 'booking.refunded'`, [late.id])).rows[0].n).to.equal(
      1,
    );
  });

  it('pages the delivery log newest first with an opaque cursor and filters it by status', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, ['booking.created']);
    const pro = await givenProfessional(system);
    const made = [await newBooking(pro, 0), await newBooking(pro, 30), await newBooking(pro, 60)];
    await eventually(async () => (await deliveries(ep.id, '?status=succeeded')).data.length === 3, 10_000, 100);
    const first = await deliveries(ep.id, '?limit=2');
    expect(first.data).to.have.length(2);
    expect(first.page.next_cursor).to.be.a('string');
    const second = await deliveries(ep.id, `?limit=2&cursor=${first.page.next_cursor}`);
    expect(second.data).to.have.length(1);
    expect(second.page.next_cursor).to.equal(null);
    expect([...first.data, ...second.data].map((d) => d.payload.data.id)).to.deep.equal(made.map((b) => b.id).reverse());
    expect((await deliveries(ep.id, '?status=pending')).data).to.have.length(0);
    const metrics = await request(app()).get('/metrics');
    expect(metrics.status, metrics.text).to.equal(200);
    expect(metrics.text).to.match(/webhook_delivery_attempts_total\{result="success"[^}]*\} [1-9]/);
    expect(metrics.text).to.match(/webhook_deliveries_total\{outcome="succeeded"[^}]*\} [1-9]/);
    expect(metrics.text).to.include('webhook_delivery_duration_seconds_bucket');
    expect(metrics.text).to.match(/webhook_queue_age_seconds\{[^}]*\} /);
  });
});

describe('outgoing webhooks of one booking under retries', () => {
  let system: TestSystem;
  let receiver: WebhookReceiver;

  before(async () => {
    // Enough retries that the test, not the schedule, decides when the receiver recovers.
    system = await startTestSystem({ commandWorkers: true, env: { WEBHOOKS_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_SCHEDULE: Array(30).fill(1).join(',') } });
  });
  after(async () => {
    await receiver?.stop();
    await system.close();
  });

  it('keeps a booking’s events in order: a later one waits while an earlier one is retried; other bookings go meanwhile', async function () {
    this.timeout(60_000);
    const app = system.command!.app;
    let slowId = '';
    let recovered = false;
    receiver = await startWebhookReceiver((req) => (req.event.data.id === slowId && !recovered ? { status: 500 } : { status: 204 }));
    const admin = await system.token('admin', 'ops');
    const ep = await request(app)
      .post('/webhook-endpoints')
      .set('Authorization', `Bearer ${admin}`)
      .send({ url: receiver.url, events: ['booking.created', 'booking.cancelled'] });
    expect(ep.status).to.equal(201);
    const pro = await givenProfessional(system);
    const client = uniqueId('c');
    const token = await system.token('client', client);
    const slow = await book(app, token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 });
    slowId = slow.body.id;
    await eventually(async () => receiver.about(slowId).length >= 2, 15_000); // failed and retried at least once
    const cancelled = await request(app).post(`/bookings/${slowId}/cancel`).set('Authorization', `Bearer ${token}`).send({});
    expect(cancelled.status).to.equal(200); // booking.cancelled is recorded now, while booking.created is being retried
    const other = await book(app, await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: addMinutes(pro.window.start, 60).toISOString(),
      duration_minutes: 30,
    });
    await eventually(async () => receiver.about(other.body.id).length === 1, 15_000);
    await eventually(async () => receiver.about(slowId).length >= 4, 15_000);
    const beforeRecovery = receiver.about(slowId).map((x) => x.event.type);
    expect(beforeRecovery.every((t) => t === 'booking.created')).to.equal(true); // the other booking passed; the cancellation waits

    recovered = true;
    await eventually(async () => receiver.about(slowId).some((x) => x.event.type === 'booking.cancelled'), 15_000);
    const sequence = receiver.about(slowId).map((x) => x.event.type);
    expect(sequence.slice(0, -1).every((t) => t === 'booking.created')).to.equal(true);
    expect(sequence[sequence.length - 1]).to.equal('booking.cancelled');
    expect(
      new Set(
        receiver
          .about(slowId)
          .filter((x) => x.event.type === 'booking.created')
          .map((x) => x.headers['webhook-id']),
      ).size,
    ).to.equal(1);
  });
});
