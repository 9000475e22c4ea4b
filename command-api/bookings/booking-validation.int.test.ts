import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';

describe('POST /bookings with bad input', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let proId: string;
  let start: string;
  let token: string;

  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
    const pro = await givenProfessional(system);
    proId = pro.id;
    start = pro.window.start.toISOString();
    token = await system.token('client', 'validator');
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const post = (body: unknown, contentType = 'application/json') =>
    request(system.command!.app)
      .post('/bookings')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', uniqueId('k'))
      .set('Content-Type', contentType)
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  const expectNothingWritten = async () => {
    expect((await db.query(`SELECT count(*)::int AS n FROM bookings`)).rows[0].n).to.equal(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM idempotency_keys`)).rows[0].n).to.equal(0);
  };

  const cases: Array<[string, () => unknown, string]> = [
    ['a body that is not an object', () => [], 'body'],
    ['an unknown field', () => ({ professional_id: proId, start_time: start, duration_minutes: 60, price: 1 }), 'price'],
    ['a missing professional_id', () => ({ start_time: start, duration_minutes: 60 }), 'professional_id'],
    ['a huge professional_id', () => ({ professional_id: 'p'.repeat(100_00), start_time: start, duration_minutes: 60 }), 'professional_id'],
    ['a unicode professional_id', () => ({ professional_id: 'plombier-été-🔧', start_time: start, duration_minutes: 60 }), 'professional_id'],
    [
      'an SQL-looking professional_id',
      () => ({ professional_id: "pro1'; DROP TABLE bookings;--", start_time: start, duration_minutes: 60 }),
      'professional_id',
    ],
    ['a numeric professional_id', () => ({ professional_id: 42, start_time: start, duration_minutes: 60 }), 'professional_id'],
    ['a zero duration', () => ({ professional_id: proId, start_time: start, duration_minutes: 0 }), 'duration_minutes'],
    ['a negative duration', () => ({ professional_id: proId, start_time: start, duration_minutes: -60 }), 'duration_minutes'],
    ['a fractional duration', () => ({ professional_id: proId, start_time: start, duration_minutes: 60.5 }), 'duration_minutes'],
    ['a string duration', () => ({ professional_id: proId, start_time: start, duration_minutes: '60' }), 'duration_minutes'],
    ['a duration that is not a multiple of 5', () => ({ professional_id: proId, start_time: start, duration_minutes: 61 }), 'duration_minutes'],
    ['a duration above 480', () => ({ professional_id: proId, start_time: start, duration_minutes: 485 }), 'duration_minutes'],
    ['a duration below 15', () => ({ professional_id: proId, start_time: start, duration_minutes: 10 }), 'duration_minutes'],
    ['a start_time without offset', () => ({ professional_id: proId, start_time: '2030-01-01T10:00:00', duration_minutes: 60 }), 'start_time'],
    ['an impossible date', () => ({ professional_id: proId, start_time: '2025-02-30T10:00:00Z', duration_minutes: 60 }), 'start_time'],
    ['a date-only start_time', () => ({ professional_id: proId, start_time: '2030-01-01', duration_minutes: 60 }), 'start_time'],
    ['a numeric start_time', () => ({ professional_id: proId, start_time: 1893492000000, duration_minutes: 60 }), 'start_time'],
    ['an hour 24', () => ({ professional_id: proId, start_time: '2030-01-01T24:00:00Z', duration_minutes: 60 }), 'start_time'],
  ];

  for (const [what, body, field] of cases) {
    it(`answers 400 validation_error naming ${field} for ${what}, writing nothing`, async () => {
      const res = await post(body());
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ status: 400, code: 'validation_error' });
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
      await expectNothingWritten();
    });
  }

  it('answers 400 invalid_json for a body that is not JSON, writing nothing', async () => {
    const res = await post('{"professional_id": "pro1", ', 'application/json');
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('invalid_json');
    await expectNothingWritten();
  });

  it('answers 415 unsupported_media_type for a body sent as another media type, writing nothing', async () => {
    const res = await post('professional_id=pro1', 'application/x-www-form-urlencoded');
    expect(res.status).to.equal(415);
    expect(res.body.code).to.equal('unsupported_media_type');
    await expectNothingWritten();
  });

  it('answers 413 payload_too_large for a body over 100 kB', async () => {
    const res = await post({ professional_id: proId, start_time: start, duration_minutes: 60, pad: 'x'.repeat(110_000) });
    expect(res.status).to.equal(413);
    expect(res.body.code).to.equal('payload_too_large');
    await expectNothingWritten();
  });

  it('never shows a stack trace or SQL in an error', async () => {
    const res = await post({ professional_id: "x' OR 1=1 --", start_time: start, duration_minutes: 60 });
    expect(res.text).not.to.match(/at .*\.ts:\d+|SELECT|INSERT|node_modules/);
  });
});
