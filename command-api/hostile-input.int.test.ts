import { testPool } from '../scripts/testing/services.ts';
import { expect } from 'chai';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import request from 'supertest';
import { SignJWT } from 'jose';
import { signPayload } from '../scripts/stand-ins/stripe-stand-in.ts';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { book, givenProfessional, uniqueId } from '../scripts/testing/builders.ts';

/** Hostile input of every kind answers 4xx problem+json, never 5xx, and writes nothing. */
describe('command-api under hostile input', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let admin: string;
  let client: string;
  let pro: Awaited<ReturnType<typeof givenProfessional>>;
  const app = () => system.command!.app;

  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
    admin = await system.token('admin', 'admin-hostile');
    client = await system.token('client', 'client-hostile', { email: 'client@example.com' });
    pro = await givenProfessional(system);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const count = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  const expectProblem = (res: request.Response, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.code).to.equal(code);
  };
  let slot = 0;
  /** A fresh pending booking of the test client, each in its own 30 minutes of the window. */
  const aBooking = async () => {
    const start = new Date(pro.window.start.getTime() + 30 * 60_000 * slot++);
    const res = await book(app(), client, { professional_id: pro.id, start_time: start.toISOString(), duration_minutes: 30 });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string };
  };
  const professionalBody = (extra: Record<string, unknown> = {}) => ({
    id: uniqueId('hostile'),
    name: 'Kofi',
    category: 'plumber',
    rate_per_minute: 100,
    currency: 'GHS',
    lat: 5.6,
    long: -0.18,
    travel_modes: ['car'],
    ...extra,
  });
  const createProfessional = (body: unknown) =>
    request(app())
      .post('/professionals')
      .set('Authorization', `Bearer ${admin}`)
      .send(body as object);

  describe('instants outside years 0000–9999 in UTC', () => {
    for (const start of ['9999-12-31T21:00:00-05:00', '0000-01-01T00:30:00+01:00']) {
      it(`refuses a booking starting ${start} with 400 validation_error on start_time`, async () => {
        const res = await book(app(), client, { professional_id: pro.id, start_time: start, duration_minutes: 60 });
        expectProblem(res, 400, 'validation_error');
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['start_time']);
      });
      it(`refuses an availability window ending ${start} with 400`, async () => {
        const res = await request(app())
          .post(`/professionals/${pro.id}/availabilities`)
          .set('Authorization', `Bearer ${admin}`)
          .send({ start_time: '2030-01-01T00:00:00Z', end_time: start });
        expectProblem(res, 400, 'validation_error');
      });
    }

    it('refuses a booking that starts in 9999 but would end in 10000', async () => {
      const res = await book(app(), client, { professional_id: pro.id, start_time: '9999-12-31T23:30:00Z', duration_minutes: 60 });
      expectProblem(res, 400, 'validation_error');
      expect(res.body.errors[0].field).to.equal('start_time');
      expect(await count('bookings')).to.equal(0);
    });

    it('accepts the last window of year 9999 and answers it with four-digit years', async () => {
      const res = await request(app())
        .post(`/professionals/${pro.id}/availabilities`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ start_time: '9999-12-31T22:00:00Z', end_time: '9999-12-31T23:59:00Z' });
      expect(res.status).to.equal(201);
      expect(res.body.end_time).to.equal('9999-12-31T23:59:00.000Z');
    });
  });

  describe('control characters in text', () => {
    for (const [label, value] of [
      ['NUL', 'Ko\u0000fi'],
      ['escape', 'Ko\u001bfi'],
      ['line break', 'Kofi\nBcc: x@y.org'],
      ['DEL', 'Ko\u007ffi'],
    ] as const) {
      it(`refuses a professional name with a ${label} (400 validation_error on name)`, async () => {
        const before = await count('professionals');
        const res = await createProfessional(professionalBody({ name: value }));
        expectProblem(res, 400, 'validation_error');
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['name']);
        expect(await count('professionals')).to.equal(before);
      });
    }

    it('refuses a NUL in a category, a PATCHed name and a query-string-like id', async () => {
      expectProblem(await createProfessional(professionalBody({ category: 'plumb\u0000er' })), 400, 'validation_error');
      expectProblem(await createProfessional(professionalBody({ id: 'a\u0000b' })), 400, 'validation_error');
      const patched = await request(app()).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ name: '\u0000' });
      expectProblem(patched, 400, 'validation_error');
    });

    it('refuses a NUL in a cancellation reason but keeps line breaks and tabs there', async () => {
      const booking = await aBooking();
      const cancel = (reason: string) => request(app()).post(`/bookings/${booking.id}/cancel`).set('Authorization', `Bearer ${client}`).send({ reason });
      expectProblem(await cancel('plans\u0000changed'), 400, 'validation_error');
      expect((await db.query(`SELECT status FROM bookings WHERE id = $1`, [booking.id])).rows[0].status).to.equal('pending');
      const res = await cancel('plans changed:\n\tsorry');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    });

    for (const claim of ['sub', 'email', 'professional_id']) {
      it(`answers 401 for a token whose ${claim} claim holds a NUL`, async () => {
        const claims: Record<string, string> = { role: 'client', email: 'c@example.com', professional_id: 'p1', sub: 'carol' };
        claims[claim] = `${claims[claim]}\u0000x`;
        const { sub, ...rest } = claims;
        const token = await new SignJWT(rest)
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(sub!)
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(system.env.AUTH_JWT_SECRET));
        const res = await book(app(), token, { professional_id: pro.id, start_time: pro.window.start.toISOString(), duration_minutes: 30 });
        expectProblem(res, 401, 'unauthorized');
      });
    }

    it('refuses a Stripe event whose id holds a NUL with 400 validation_error and stores nothing', async () => {
      const events = [
        { id: 'evt_\u0000x', type: 'payment_intent.succeeded', data: { object: {} } },
        { id: uniqueId('evt'), type: 'payment_intent.succeeded', data: { object: { description: 'a\u0000b' } } },
      ];
      for (const event of events) {
        const payload = JSON.stringify(event);
        const res = await request(app())
          .post('/webhooks/stripe')
          .set('Content-Type', 'application/json')
          .set('Stripe-Signature', signPayload(payload, system.config.stripe.webhookSecret))
          .send(payload);
        expectProblem(res, 400, 'validation_error');
      }
      // by id (a NUL id cannot even be looked up): the Stripe stand-in delivers events of earlier bookings meanwhile
      expect((await db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE id = $1`, [events[1]!.id])).rows[0].n).to.equal(0);
    });
  });

  describe('bodies', () => {
    const json = JSON.stringify({ professional_id: 'x', start_time: '2030-01-01T10:00:00Z', duration_minutes: 60 });
    const postEncoded = (encoding: string, body: Buffer | string, contentType = 'application/json') =>
      request(app())
        .post('/bookings')
        .set('Authorization', `Bearer ${client}`)
        .set('Idempotency-Key', uniqueId('k'))
        .set('Content-Type', contentType)
        .set('Content-Encoding', encoding)
        .send(body);

    for (const encoding of ['gzip', 'deflate', 'br']) {
      it(`answers 400 invalid_body for plain JSON labelled Content-Encoding: ${encoding}`, async () => {
        expectProblem(await postEncoded(encoding, json), 400, 'invalid_body');
      });
    }

    it('reads a body that really is gzip or brotli compressed', async () => {
      const body = JSON.stringify({ professional_id: pro.id, start_time: '2000-01-01T10:00:00Z', duration_minutes: 60 });
      for (const [encoding, bytes] of [
        ['gzip', gzipSync(body)],
        ['br', brotliCompressSync(body)],
      ] as const) {
        // fetch sends the bytes as they are (supertest would serialise a Buffer as JSON)
        const res = await fetch(`${system.command!.url}/bookings`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${client}`, 'Idempotency-Key': uniqueId('k'), 'Content-Type': 'application/json', 'Content-Encoding': encoding },
          body: bytes,
        });
        // start_in_past proves the body was read and validated
        expect(res.status).to.equal(422);
        expect(((await res.json()) as { code: string }).code).to.equal('start_in_past');
      }
    });

    it('answers 400 invalid_body for a Stripe webhook labelled gzip that is not, storing nothing', async () => {
      const payload = JSON.stringify({ id: uniqueId('evt'), type: 'payment_intent.succeeded', data: { object: {} } });
      const res = await request(app())
        .post('/webhooks/stripe')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .set('Stripe-Signature', signPayload(payload, system.config.stripe.webhookSecret))
        .send(payload);
      expectProblem(res, 400, 'invalid_body');
    });

    it('answers 415 for a Content-Encoding it does not read', async () => {
      expectProblem(await postEncoded('compress', json), 415, 'unsupported_media_type');
    });

    it('answers 415 for a body that is not declared JSON, on every JSON endpoint', async () => {
      const booking = await aBooking();
      const cancel = await request(app())
        .post(`/bookings/${booking.id}/cancel`)
        .set('Authorization', `Bearer ${client}`)
        .set('Content-Type', 'text/plain')
        .send('{"reason":"x"}');
      expectProblem(cancel, 415, 'unsupported_media_type');
      expect((await db.query(`SELECT status FROM bookings WHERE id = $1`, [booking.id])).rows[0].status).to.equal('pending');
      const form = await request(app()).post('/professionals').set('Authorization', `Bearer ${admin}`).type('form').send({ name: 'x' });
      expectProblem(form, 415, 'unsupported_media_type');
    });

    it('still cancels without any body, and reads application/*+json bodies', async () => {
      const booking = await aBooking();
      expect((await request(app()).post(`/bookings/${booking.id}/cancel`).set('Authorization', `Bearer ${client}`)).status).to.equal(200);
      const other = await aBooking();
      const typedButEmpty = await fetch(`${system.command!.url}/bookings/${other.id}/cancel`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${client}`, 'Content-Type': 'application/json' },
      });
      expect(typedButEmpty.status).to.equal(200);
      const res = await request(app())
        .post('/professionals')
        .set('Authorization', `Bearer ${admin}`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify(professionalBody()));
      expect(res.status).to.equal(201);
    });

    it('refuses a __proto__ key like any unknown field, at any depth', async () => {
      const top = await createProfessional(JSON.parse(`{"__proto__": {"active": false}, ${JSON.stringify(professionalBody()).slice(1)}`));
      expectProblem(top, 400, 'validation_error');
      expect(top.body.errors[0].field).to.equal('__proto__');
      const raw = `{"professional_id":"${pro.id}","start_time":"${pro.window.start.toISOString()}","duration_minutes":30,"__proto__":{"x":1}}`;
      const res = await request(app())
        .post('/bookings')
        .set('Authorization', `Bearer ${client}`)
        .set('Idempotency-Key', uniqueId('k'))
        .set('Content-Type', 'application/json')
        .send(raw);
      expectProblem(res, 400, 'validation_error');
    });
  });
});
