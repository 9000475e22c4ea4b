import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { signPayload } from '../../scripts/stand-ins/stripe-stand-in.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { uniqueId } from '../../scripts/testing/builders.ts';
import { QUEUES } from '../../shared/queue.ts';

describe('POST /webhooks/stripe', () => {
  let system: TestSystem;
  let db: pg.Pool;

  // API only: events are stored and queued, and nothing processes them, so the queue can be inspected.
  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const secret = () => system.config.stripe.webhookSecret;
  const anEvent = () => system.stripe.buildEvent('payment_intent.succeeded', { id: uniqueId('pi'), object: 'payment_intent', metadata: {} });
  const post = (payload: string, signature?: string) => {
    const req = request(system.command!.app).post('/webhooks/stripe').set('Content-Type', 'application/json');
    return (signature === undefined ? req : req.set('Stripe-Signature', signature)).send(payload);
  };
  const storedEvents = async () => (await db.query(`SELECT id, type, payload, processed_at, attempts FROM stripe_events ORDER BY received_at`)).rows;
  const queuedJobsFor = async (eventId: string) =>
    (await system.command!.deps.boss.findJobs<{ event_id: string }>(QUEUES.stripeEvent, { data: { event_id: eventId } })).length;

  it('stores a correctly signed event with its payload, queues its processing and answers 200 at once', async () => {
    const event = anEvent();
    const payload = JSON.stringify(event);
    const res = await post(payload, signPayload(payload, secret()));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ received: true, duplicate: false });
    const [stored] = (await db.query(`SELECT type, payload, processed_at, attempts FROM stripe_events WHERE id = $1`, [event.id])).rows;
    expect(stored).to.deep.include({ type: 'payment_intent.succeeded', processed_at: null, attempts: 0 });
    expect(stored.payload).to.deep.equal(event);
    expect(await queuedJobsFor(event.id)).to.equal(1);
  });

  it('stores and queues an event delivered 5 times at once only once; the other deliveries are acknowledged as duplicates', async () => {
    const event = anEvent();
    const payload = JSON.stringify(event);
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(payload, signPayload(payload, secret()))));
    expect(responses.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(responses.filter((r) => r.body.duplicate === false)).to.have.length(1);
    expect((await db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE id = $1`, [event.id])).rows[0].n).to.equal(1);
    expect(await queuedJobsFor(event.id)).to.equal(1);
  });

  /** Signs bytes exactly as Stripe does: HMAC-SHA256 over `${t}.` followed by the body's bytes. */
  const signBytes = (body: Buffer, t = Math.floor(Date.now() / 1000)) =>
    `t=${t},v1=${createHmac('sha256', secret())
      .update(Buffer.concat([Buffer.from(`${t}.`), body]))
      .digest('hex')}`;
  const postBytes = (body: Buffer, signature: string) =>
    fetch(`${system.command!.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body: new Uint8Array(body),
    });

  it('checks the signature over the exact bytes: a signed body with a stray \\xff byte or a BOM is accepted', async () => {
    const withBom = anEvent();
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(withBom))]);
    const withByte = anEvent();
    // the stray byte goes inside a string field of its own (the event's id is random and may hold any letter)
    const marker = '\u0000stray\u0000';
    const [head, tail] = JSON.stringify({ ...withByte, note: marker }).split(JSON.stringify(marker).slice(1, -1)) as [string, string];
    const stray = Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]);
    for (const [event, body] of [
      [withBom, bom],
      [withByte, stray],
    ] as const) {
      const res = await postBytes(body, signBytes(body));
      expect(res.status, await res.clone().text()).to.equal(200);
      expect((await db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE id = $1`, [event.id])).rows[0].n).to.equal(1);
    }
  });

  it('accepts a signature dated a little ahead of our clock', async () => {
    const event = anEvent();
    const payload = JSON.stringify(event);
    const res = await post(payload, signPayload(payload, secret(), Math.floor(Date.now() / 1000) + 60));
    expect(res.status).to.equal(200);
  });

  describe('refuses with 400 and stores nothing', () => {
    it('an event whose signature is dated more than 300 seconds in the future', async () => {
      const event = anEvent();
      const payload = JSON.stringify(event);
      const res = await post(payload, signPayload(payload, secret(), Math.floor(Date.now() / 1000) + 301));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_signature');
      await expectNothingStored(event.id);
    });

    it('a body with a stray byte signed as the UTF-8 text it decodes to', async () => {
      const event = anEvent();
      const body = Buffer.concat([Buffer.from(JSON.stringify(event).slice(0, -1)), Buffer.from([0xff]), Buffer.from('}')]);
      const res = await postBytes(body, signPayload(new TextDecoder().decode(body), secret()));
      expect(res.status).to.equal(400);
      await expectNothingStored(event.id);
    });

    let before: number;
    beforeEach(async () => {
      before = (await storedEvents()).length;
    });
    const expectNothingStored = async (eventId?: string) => {
      expect((await storedEvents()).length).to.equal(before);
      if (eventId) expect(await queuedJobsFor(eventId)).to.equal(0);
    };

    it('an event signed with another secret', async () => {
      const event = anEvent();
      const payload = JSON.stringify(event);
      const res = await post(payload, signPayload(payload, 'whsec_someone_else'));
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.code).to.equal('invalid_signature');
      await expectNothingStored(event.id);
    });

    it('an event whose signature is older than 300 seconds (a replayed delivery)', async () => {
      const event = anEvent();
      const payload = JSON.stringify(event);
      const res = await post(payload, signPayload(payload, secret(), Math.floor(Date.now() / 1000) - 301));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_signature');
      await expectNothingStored(event.id);
    });

    it('a body changed after it was signed', async () => {
      const event = anEvent();
      const payload = JSON.stringify(event);
      const res = await post(payload.replace('payment_intent.succeeded', 'payment_intent.canceled'), signPayload(payload, secret()));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_signature');
      await expectNothingStored(event.id);
    });

    it('a request without a Stripe-Signature header', async () => {
      const res = await post(JSON.stringify(anEvent()));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_signature');
      await expectNothingStored();
    });

    it('a correctly signed body that is not JSON', async () => {
      const payload = '{"id": "evt_broken", "type": ';
      const res = await post(payload, signPayload(payload, secret()));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_payload');
      await expectNothingStored('evt_broken');
    });

    it('a correctly signed JSON body that is not an event', async () => {
      const payload = JSON.stringify({ hello: 'world' });
      const res = await post(payload, signPayload(payload, secret()));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_payload');
      await expectNothingStored();
    });
  });
});
