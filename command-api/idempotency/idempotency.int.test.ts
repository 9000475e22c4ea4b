import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { expireHold } from '../holds/expire-holds.ts';

describe('Idempotency-Key on POST /bookings', () => {
  let system: TestSystem;
  let db: pg.Pool;

  before(async () => {
    system = await startTestSystem({ command: true, idempotencyLockSeconds: 2 });
    db = testPool(system.databaseUrl, 3);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const countBookings = async (professionalId: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM bookings WHERE professional_id = $1`, [professionalId])).rows[0].n as number;

  it('books once for 20 concurrent requests with one key; the others replay it byte for byte or get 409 idempotency_key_in_use', async () => {
    const pro = await givenProfessional(system);
    const token = await system.token('client', uniqueId('c'));
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    const responses = await Promise.all(Array.from({ length: 20 }, () => book(system.command!.url as never, token, body, 'same-key')));
    const created = responses.filter((r) => r.status === 201);
    const inUse = responses.filter((r) => r.status === 409);
    expect(created.length + inUse.length).to.equal(20);
    expect(created.length).to.be.at.least(1);
    for (const r of inUse) expect(r.body.code).to.equal('idempotency_key_in_use');
    const original = created.find((r) => r.headers['idempotent-replayed'] === undefined)!;
    expect(created.filter((r) => r.headers['idempotent-replayed'] === undefined)).to.have.length(1);
    for (const r of created.filter((x) => x !== original)) {
      expect(r.headers['idempotent-replayed']).to.equal('true');
      expect(r.text).to.equal(original.text);
    }
    const replay = await book(system.command!.app, token, body, 'same-key');
    expect(replay.status).to.equal(201);
    expect(replay.headers['idempotent-replayed']).to.equal('true');
    expect(replay.text).to.equal(original.text);
    expect(await countBookings(pro.id)).to.equal(1);
  });

  it('answers 422 idempotency_key_reused when the key comes back with another payload', async () => {
    const pro = await givenProfessional(system);
    const token = await system.token('client', uniqueId('c'));
    const start = pro.window.start.toISOString();
    expect((await book(system.command!.app, token, { professional_id: pro.id, start_time: start, duration_minutes: 60 }, 'k1')).status).to.equal(201);
    const reused = await book(system.command!.app, token, { professional_id: pro.id, start_time: start, duration_minutes: 30 }, 'k1');
    expect(reused.status).to.equal(422);
    expect(reused.body.code).to.equal('idempotency_key_reused');
    expect(await countBookings(pro.id)).to.equal(1);
  });

  it('treats the same payload with its keys in another order as the same request', async () => {
    const pro = await givenProfessional(system);
    const token = await system.token('client', uniqueId('c'));
    const start = pro.window.start.toISOString();
    const first = await book(system.command!.app, token, { professional_id: pro.id, start_time: start, duration_minutes: 60 }, 'order');
    const second = await book(system.command!.app, token, { duration_minutes: 60, start_time: start, professional_id: pro.id }, 'order');
    expect(second.status).to.equal(201);
    expect(second.text).to.equal(first.text);
  });

  it('scopes keys per client: the same key from another client makes its own booking', async () => {
    const pro = await givenProfessional(system);
    const a = await system.token('client', uniqueId('a'));
    const b = await system.token('client', uniqueId('b'));
    const first = await book(system.command!.app, a, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 }, 'shared');
    const second = await book(
      system.command!.app,
      b,
      { professional_id: pro.id, start_time: new Date(pro.window.start.getTime() + 3_600_000).toISOString(), duration_minutes: 60 },
      'shared',
    );
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    expect(second.body.id).not.to.equal(first.body.id);
  });

  it('answers 400 idempotency_key_missing without the header, or with a malformed one, and books nothing', async () => {
    const pro = await givenProfessional(system);
    const token = await system.token('client', uniqueId('c'));
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    const missing = await request(system.command!.app).post('/bookings').set('Authorization', `Bearer ${token}`).send(body);
    expect(missing.status).to.equal(400);
    expect(missing.body.code).to.equal('idempotency_key_missing');
    for (const key of ['x'.repeat(256), 'with space', 'tab\tkey']) {
      const bad = await request(system.command!.app).post('/bookings').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(body);
      expect(bad.status, key).to.equal(400);
      expect(bad.body.code).to.equal('idempotency_key_missing');
    }
    expect(await countBookings(pro.id)).to.equal(0);
  });

  it('leaves nothing stuck after a crash between the slot hold and the PaymentIntent: the hold expires and the key can be retried', async () => {
    const pro = await givenProfessional(system);
    const token = await system.token('client', uniqueId('c'));
    const body = { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    // The Stripe call hangs past the client timeout, then the process "dies": simulate the crash by
    // holding the request open while the lock lapses and the hold expires.
    system.stripe.setFault({ mode: 'slow', delayMs: 6000 });
    const crashed = request(system.command!.url)
      .post('/bookings')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', 'crash-key')
      .send(body)
      .timeout(500)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(await crashed).to.be.instanceOf(Error);
    const held = await eventually(
      async () => (await db.query(`SELECT id FROM bookings WHERE client_id = $1 AND status = 'pending'`, [(await decode(token)).sub])).rows[0],
    );

    const inUse = await book(system.command!.app, token, body, 'crash-key');
    expect(inUse.status).to.equal(409);
    expect(inUse.body.code).to.equal('idempotency_key_in_use');

    await db.query(`UPDATE bookings SET hold_expires_at = now() - interval '1 second' WHERE id = $1`, [held.id]);
    expect(await expireHold(system.command!.deps, held.id).catch(() => 'expired')).to.equal('expired');
    system.stripe.setFault({ mode: 'none' });
    await new Promise((r) => setTimeout(r, 2100)); // the idempotency lock (2 s in this suite) lapses

    const retried = await book(system.command!.app, token, body, 'crash-key');
    expect(retried.status).to.equal(201);
    expect(retried.body.id).not.to.equal(held.id);
    const statuses = (await db.query(`SELECT status FROM bookings WHERE professional_id = $1 ORDER BY created_at`, [pro.id])).rows.map((r) => r.status);
    expect(statuses).to.deep.equal(['expired', 'pending']);
  });
});

async function decode(token: string): Promise<{ sub: string }> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}
