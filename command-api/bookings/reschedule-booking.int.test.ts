import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';

describe('POST /bookings/:id/reschedule', () => {
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
  const clientToken = (sub = uniqueId('client')) => system.token('client', sub, { email: `${sub}@example.com` });
  const row = async (id: string) =>
    (await db.query(`SELECT status, start_time, end_time, blocked_start, blocked_end, hold_expires_at, price_amount FROM bookings WHERE id = $1`, [id]))
      .rows[0];
  const reschedule = (id: string, token: string, body: object, key = uniqueId('key')) =>
    request(system.command!.url).post(`/bookings/${id}/reschedule`).set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(body);

  /** A pending booking of 60 minutes at the start of a fresh professional's 8-hour window. */
  async function aBooking(opts: { professionalId?: string; start?: Date } = {}) {
    const pro = opts.professionalId ? { id: opts.professionalId } : await givenProfessional(system);
    const start = opts.start ?? (pro as { window: { start: Date } }).window.start;
    const token = await clientToken();
    const res = await book(app(), token, { professional_id: pro.id, start_time: start.toISOString(), duration_minutes: 60 });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { id: res.body.id as string, professionalId: pro.id, start, token, body: res.body };
  }

  it('moves the booking: same id, status, duration, price and hold; the old time is free for others and the new one is not', async () => {
    const b = await aBooking();
    const before = await row(b.id);
    const versionBefore = (await db.query(`SELECT search_version FROM professionals WHERE id = $1`, [b.professionalId])).rows[0].search_version;
    const newStart = addMinutes(b.start, 180);
    const res = await reschedule(b.id, b.token, { start_time: newStart.toISOString() });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({
      id: b.id,
      status: 'pending',
      duration_minutes: 60,
      start_time: newStart.toISOString(),
      end_time: addMinutes(newStart, 60).toISOString(),
    });
    expect(res.body.price).to.deep.equal(b.body.price);
    expect(res.body.hold_expires_at).to.equal(b.body.hold_expires_at);
    expect(new Date(res.body.rescheduled_at).getTime()).to.be.closeTo(Date.now(), 10_000);
    const after = await row(b.id);
    expect(after.hold_expires_at.getTime()).to.equal(before.hold_expires_at.getTime());
    expect(after.blocked_start.toISOString()).to.equal(newStart.toISOString());
    expect((await db.query(`SELECT search_version FROM professionals WHERE id = $1`, [b.professionalId])).rows[0].search_version).to.equal(
      Number(versionBefore) + 1,
    );
    const event = await db.query(`SELECT body::text AS body FROM webhook_events WHERE booking_id = $1 AND type = 'booking.rescheduled'`, [b.id]);
    expect(event.rows).to.have.length(1);
    expect(JSON.parse(event.rows[0].body).data).to.include({ id: b.id, start_time: newStart.toISOString() });

    const other = await clientToken();
    expect((await book(app(), other, { professional_id: b.professionalId, start_time: b.start.toISOString(), duration_minutes: 60 })).status).to.equal(201);
    const taken = await book(app(), other, { professional_id: b.professionalId, start_time: newStart.toISOString(), duration_minutes: 60 });
    expect(taken.status).to.equal(409);
    expect(taken.body.code).to.equal('slot_taken');
  });

  it('may move a booking onto a time that overlaps its own old range', async () => {
    const b = await aBooking();
    const res = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 30).toISOString() });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.start_time).to.equal(addMinutes(b.start, 30).toISOString());
  });

  it('lets an admin reschedule any booking, answers 403 to its professional and 404 to anyone else, leaving it unchanged', async () => {
    const b = await aBooking();
    const target = { start_time: addMinutes(b.start, 120).toISOString() };
    const stranger = await reschedule(b.id, await clientToken(), target);
    expect(stranger.status).to.equal(404);
    expect(stranger.body.code).to.equal('booking_not_found');
    const pro = await reschedule(b.id, await system.token('professional', 'p', { professional_id: b.professionalId }), target);
    expect(pro.status).to.equal(403);
    expect(pro.body.code).to.equal('forbidden');
    expect((await row(b.id)).start_time.toISOString()).to.equal(b.start.toISOString());
    expect((await reschedule(uniqueId('x'), b.token, target)).status).to.equal(404);
    const admin = await reschedule(b.id, await system.token('admin', 'ops'), target);
    expect(admin.status).to.equal(200);
    expect(admin.body.start_time).to.equal(target.start_time);
  });

  for (const [name, change] of [
    ['cancelled', `status = 'cancelled', cancelled_at = now()`],
    ['expired', `status = 'expired', expired_at = now()`],
    ['started', `start_time = now() - interval '5 minutes', end_time = now() + interval '55 minutes'`],
  ] as const) {
    it(`answers 409 booking_not_reschedulable for a booking that is ${name}`, async () => {
      const b = await aBooking();
      await db.query(`UPDATE bookings SET ${change} WHERE id = $1`, [b.id]);
      const before = await row(b.id);
      const res = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 120).toISOString() });
      expect(res.status).to.equal(409);
      expect(res.body.code).to.equal('booking_not_reschedulable');
      expect(await row(b.id)).to.deep.equal(before);
    });
  }

  it('answers the codes of POST /bookings for a new time that breaks a rule, and leaves the booking unchanged', async () => {
    const b = await aBooking();
    const blocker = await aBooking({ professionalId: b.professionalId, start: addMinutes(b.start, 240) });
    const before = await row(b.id);
    const cases: Array<[Date, number, string]> = [
      [addMinutes(blocker.start, 30), 409, 'slot_taken'],
      [addMinutes(b.start, 8 * 60), 422, 'outside_availability'],
      [hoursFromNow(-2), 422, 'start_in_past'],
    ];
    for (const [start, status, code] of cases) {
      const res = await reschedule(b.id, b.token, { start_time: start.toISOString() });
      expect([res.status, res.body.code], start.toISOString()).to.deep.equal([status, code]);
    }
    // The schedule's rules apply too: a 30-minute grid and 100 days of notice.
    const admin = await system.token('admin', 'ops');
    const put = await request(app())
      .put(`/professionals/${b.professionalId}/schedule`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ weekly: [], slot_step_minutes: 30 });
    expect(put.status).to.equal(200);
    const offGrid = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 65).toISOString() });
    expect([offGrid.status, offGrid.body.code]).to.deep.equal([422, 'off_slot_grid']);
    await request(app())
      .put(`/professionals/${b.professionalId}/schedule`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ weekly: [], minimum_notice_minutes: 43200 });
    const notice = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 60).toISOString() });
    expect([notice.status, notice.body.code]).to.deep.equal([422, 'inside_minimum_notice']);
    expect(await row(b.id)).to.deep.equal(before);
  });

  it('answers 404 professional_not_found once the professional is inactive, like POST /bookings', async () => {
    const b = await aBooking();
    const before = await row(b.id);
    const off = await request(app())
      .patch(`/professionals/${b.professionalId}`)
      .set('Authorization', `Bearer ${await system.token('admin', 'ops')}`)
      .send({ active: false });
    expect(off.status).to.equal(200);
    const res = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 120).toISOString() });
    expect([res.status, res.body.code]).to.deep.equal([404, 'professional_not_found']);
    expect(await row(b.id)).to.deep.equal(before);
  });

  it('validates the body and requires an Idempotency-Key', async () => {
    const b = await aBooking();
    const noKey = await request(app())
      .post(`/bookings/${b.id}/reschedule`)
      .set('Authorization', `Bearer ${b.token}`)
      .send({ start_time: b.start.toISOString() });
    expect([noKey.status, noKey.body.code]).to.deep.equal([400, 'idempotency_key_missing']);
    for (const body of [{}, { start_time: 'tomorrow' }, { start_time: b.start.toISOString(), duration_minutes: 30 }]) {
      const res = await reschedule(b.id, b.token, body);
      expect([res.status, res.body.code], JSON.stringify(body)).to.deep.equal([400, 'validation_error']);
    }
  });

  it('replays a repeated request byte for byte and refuses the same key with another body', async () => {
    const b = await aBooking();
    const key = uniqueId('key');
    const first = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 120).toISOString() }, key);
    expect(first.status).to.equal(200);
    // Moved again with another key: a replay of the first still answers what the first answered.
    expect((await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 240).toISOString() })).status).to.equal(200);
    const replay = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 120).toISOString() }, key);
    expect(replay.status).to.equal(200);
    expect(replay.headers['idempotent-replayed']).to.equal('true');
    expect(replay.text).to.equal(first.text);
    expect((await row(b.id)).start_time.toISOString()).to.equal(addMinutes(b.start, 240).toISOString());
    const reused = await reschedule(b.id, b.token, { start_time: addMinutes(b.start, 300).toISOString() }, key);
    expect([reused.status, reused.body.code]).to.deep.equal([422, 'idempotency_key_reused']);
  });

  it('gives one time to exactly one of two bookings rescheduled onto it at once, round after round', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await aBooking();
      const b = await aBooking({ professionalId: a.professionalId, start: addMinutes(a.start, 120) });
      const target = addMinutes(a.start, 300);
      const [ra, rb] = await Promise.all([
        reschedule(a.id, a.token, { start_time: target.toISOString() }),
        reschedule(b.id, b.token, { start_time: addMinutes(target, 30).toISOString() }),
      ]);
      expect([ra.status, rb.status].sort(), `round ${round}`).to.deep.equal([200, 409]);
      const loser = ra.status === 409 ? { res: ra, booking: a } : { res: rb, booking: b };
      expect(loser.res.body.code).to.equal('slot_taken');
      expect((await row(loser.booking.id)).start_time.toISOString()).to.equal(loser.booking.start.toISOString());
      const live = await db.query(
        `SELECT count(*)::int AS n FROM bookings WHERE professional_id = $1 AND status IN ('pending', 'confirmed') AND tstzrange(start_time, end_time) && tstzrange($2, $3)`,
        [a.professionalId, target, addMinutes(target, 90)],
      );
      expect(live.rows[0].n).to.equal(1);
    }
  });

  it('gives one time to exactly one of a reschedule and a new booking racing for it, round after round', async () => {
    for (let round = 0; round < 6; round++) {
      const a = await aBooking();
      const target = addMinutes(a.start, 300);
      const newcomer = await clientToken();
      const [moved, booked] = await Promise.all([
        reschedule(a.id, a.token, { start_time: target.toISOString() }),
        book(system.command!.url as never, newcomer, {
          professional_id: a.professionalId,
          start_time: addMinutes(target, 15).toISOString(),
          duration_minutes: 60,
        }),
      ]);
      const winners = [moved.status === 200, booked.status === 201].filter(Boolean).length;
      expect(winners, `round ${round}: ${moved.status} ${booked.status}`).to.equal(1);
      const loser = moved.status === 200 ? booked : moved;
      expect([loser.status, loser.body.code]).to.deep.equal([409, 'slot_taken']);
      if (moved.status !== 200) expect((await row(a.id)).start_time.toISOString()).to.equal(a.start.toISOString());
    }
  });
});
