import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { Temporal } from 'temporal-polyfill';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';

describe('schedules', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let admin: string;
  before(async () => {
    system = await startTestSystem({ command: true });
    db = new pg.Pool({ connectionString: system.databaseUrl, max: 2 });
    admin = await system.token('admin', 'admin-1');
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const app = () => system.command!.app;
  const putSchedule = (token: string, id: string, body: object) =>
    request(app()).put(`/professionals/${id}/schedule`).set('Authorization', `Bearer ${token}`).send(body);
  const putOverride = (token: string, id: string, date: string, body: object) =>
    request(app()).put(`/professionals/${id}/schedule/overrides/${date}`).set('Authorization', `Bearer ${token}`).send(body);
  const version = async (id: string) => (await db.query(`SELECT search_version FROM professionals WHERE id = $1`, [id])).rows[0].search_version as number;
  const syncJobs = async (id: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'read-model-sync' AND data->>'professional_id' = $1`, [id])).rows[0].n as number;
  const allDay = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start: '00:00', end: '24:00' }));
  const client = () => system.token('client', uniqueId('client'));

  describe('GET and PUT /professionals/:id/schedule', () => {
    it('answers the defaults for a professional who never set a schedule, with its time zone', async () => {
      const pro = await givenProfessional(system, { time_zone: 'Asia/Kathmandu' });
      const res = await request(app()).get(`/professionals/${pro.id}/schedule`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        time_zone: 'Asia/Kathmandu',
        weekly: [],
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        minimum_notice_minutes: 0,
        booking_horizon_days: 365,
        slot_step_minutes: 5,
        overrides: [],
      });
    });

    it('lets the professional replace its schedule in one transaction that bumps search_version and queues a sync', async () => {
      const pro = await givenProfessional(system);
      const before = await version(pro.id);
      const jobsBefore = await syncJobs(pro.id);
      const self = await system.token('professional', 'me', { professional_id: pro.id });
      const body = {
        weekly: [
          { day: 'monday', start: '09:00', end: '12:30' },
          { day: 'monday', start: '13:30', end: '17:00' },
          { day: 'friday', start: '20:00', end: '24:00' },
        ],
        buffer_before_minutes: 0,
        buffer_after_minutes: 15,
        minimum_notice_minutes: 120,
        booking_horizon_days: 90,
        slot_step_minutes: 30,
      };
      const res = await putSchedule(self, pro.id, body);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ ...body, time_zone: 'Africa/Accra', overrides: [] });
      expect(await version(pro.id)).to.equal(before + 1);
      expect(await syncJobs(pro.id)).to.equal(jobsBefore + 1);
      expect((await request(app()).get(`/professionals/${pro.id}/schedule`)).body).to.deep.equal(res.body);
    });

    it('takes back what GET answered (overrides aside), but refuses another time zone with 400 naming time_zone', async () => {
      const pro = await givenProfessional(system, { time_zone: 'Europe/London' });
      expect((await putSchedule(admin, pro.id, { weekly: [{ day: 'monday', start: '09:00', end: '17:00' }], slot_step_minutes: 15 })).status).to.equal(200);
      expect((await putOverride(admin, pro.id, '2030-05-01', { intervals: [] })).status).to.equal(200);
      const read = (await request(app()).get(`/professionals/${pro.id}/schedule`)).body;
      const again = await putSchedule(admin, pro.id, read);
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(read);
      const moved = await putSchedule(admin, pro.id, { ...read, time_zone: 'Asia/Kathmandu' });
      expect(moved.status).to.equal(400);
      expect(moved.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['time_zone']);
    });

    it('answers 403 for another professional’s schedule, 401 without a token and 404 for an unknown professional', async () => {
      const pro = await givenProfessional(system);
      const other = await system.token('professional', 'x', { professional_id: 'someone-else' });
      const forbidden = await putSchedule(other, pro.id, { weekly: [] });
      expect(forbidden.status).to.equal(403);
      expect(forbidden.body.code).to.equal('forbidden');
      expect((await putOverride(other, pro.id, '2030-01-01', { intervals: [] })).status).to.equal(403);
      expect((await request(app()).put(`/professionals/${pro.id}/schedule`).send({ weekly: [] })).status).to.equal(401);
      expect((await putSchedule(admin, 'nobody', { weekly: [] })).status).to.equal(404);
      expect((await request(app()).get('/professionals/nobody/schedule')).status).to.equal(404);
    });

    const badSchedules: Array<[what: string, body: object, field: string]> = [
      [
        'overlapping intervals in a day',
        {
          weekly: [
            { day: 'monday', start: '09:00', end: '12:00' },
            { day: 'monday', start: '11:00', end: '13:00' },
          ],
        },
        'weekly',
      ],
      ['end ≤ start', { weekly: [{ day: 'monday', start: '12:00', end: '12:00' }] }, 'weekly.0.end'],
      ['an unknown day', { weekly: [{ day: 'funday', start: '09:00', end: '12:00' }] }, 'weekly.0.day'],
      ['malformed HH:MM', { weekly: [{ day: 'monday', start: '9:00', end: '12:00' }] }, 'weekly.0.start'],
      ['a time after 24:00', { weekly: [{ day: 'monday', start: '09:00', end: '24:30' }] }, 'weekly.0.end'],
      ['a buffer out of range', { weekly: [], buffer_before_minutes: 241 }, 'buffer_before_minutes'],
      ['a notice out of range', { weekly: [], minimum_notice_minutes: 43_201 }, 'minimum_notice_minutes'],
      ['a horizon out of range', { weekly: [], booking_horizon_days: 0 }, 'booking_horizon_days'],
      ['a step out of range', { weekly: [], slot_step_minutes: 4 }, 'slot_step_minutes'],
      ['no weekly field', { slot_step_minutes: 30 }, 'weekly'],
      ['an unknown field', { weekly: [], timezone: 'UTC' }, 'timezone'],
    ];
    for (const [what, body, field] of badSchedules) {
      it(`answers 400 naming ${field} for ${what}, and changes nothing`, async () => {
        const pro = await givenProfessional(system);
        const before = await version(pro.id);
        const res = await putSchedule(admin, pro.id, body);
        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.match(/application\/problem\+json/);
        expect(res.body.code).to.equal('validation_error');
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
        expect(await version(pro.id)).to.equal(before);
        expect((await request(app()).get(`/professionals/${pro.id}/schedule`)).body.weekly).to.deep.equal([]);
      });
    }
  });

  describe('dated overrides', () => {
    it('stores an override, lists it while it is in the future, and DELETE brings the date back to weekly (204)', async () => {
      const pro = await givenProfessional(system);
      const before = await version(pro.id);
      const put = await putOverride(admin, pro.id, '2030-05-01', { intervals: [{ start: '10:00', end: '14:00' }] });
      expect(put.status).to.equal(200);
      expect(put.body).to.deep.equal({ date: '2030-05-01', intervals: [{ start: '10:00', end: '14:00' }] });
      expect((await putOverride(admin, pro.id, '2030-05-02', { intervals: [] })).status).to.equal(200);
      expect((await putOverride(admin, pro.id, '2020-05-02', { intervals: [] })).status).to.equal(200); // past: kept, not listed
      expect(await version(pro.id)).to.equal(before + 3);
      const listed = (await request(app()).get(`/professionals/${pro.id}/schedule`)).body.overrides;
      expect(JSON.stringify(listed[0].intervals[0]), 'start before end, as written').to.equal('{"start":"10:00","end":"14:00"}');
      expect(listed).to.deep.equal([
        { date: '2030-05-01', intervals: [{ start: '10:00', end: '14:00' }] },
        { date: '2030-05-02', intervals: [] },
      ]);
      const del = await request(app()).delete(`/professionals/${pro.id}/schedule/overrides/2030-05-01`).set('Authorization', `Bearer ${admin}`);
      expect(del.status).to.equal(204);
      expect((await request(app()).get(`/professionals/${pro.id}/schedule`)).body.overrides).to.deep.equal([{ date: '2030-05-02', intervals: [] }]);
    });

    const badOverrides: Array<[what: string, date: string, body: object, field: string]> = [
      ['a date that is not real', '2027-02-29', { intervals: [] }, 'date'],
      ['a date that is not a date', '2027-1-01', { intervals: [] }, 'date'],
      [
        'overlapping intervals',
        '2030-01-01',
        {
          intervals: [
            { start: '10:00', end: '12:00' },
            { start: '09:00', end: '10:30' },
          ],
        },
        'intervals',
      ],
      ['end ≤ start', '2030-01-01', { intervals: [{ start: '10:00', end: '09:00' }] }, 'intervals.0.end'],
      ['malformed HH:MM', '2030-01-01', { intervals: [{ start: '10h', end: '11:00' }] }, 'intervals.0.start'],
      ['no intervals', '2030-01-01', {}, 'intervals'],
    ];
    for (const [what, date, body, field] of badOverrides) {
      it(`answers 400 naming ${field} for ${what}`, async () => {
        const pro = await givenProfessional(system);
        const res = await putOverride(admin, pro.id, date, body);
        expect(res.status).to.equal(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
      });
    }
  });

  describe('booking rules in the booking transaction', () => {
    /** A professional available all day every day (weekly hours) with these rules. */
    async function scheduled(rules: object, timeZone = 'UTC') {
      const pro = await givenProfessional(system, { time_zone: timeZone });
      const res = await putSchedule(admin, pro.id, { weekly: allDay, ...rules });
      expect(res.status).to.equal(200);
      return pro.id;
    }
    const at = (pro: string, start: Date, minutes = 60) =>
      client().then((c) => book(app(), c, { professional_id: pro, start_time: start.toISOString(), duration_minutes: minutes }));

    it('books inside weekly hours without any one-off window, storing the blocked range with the buffers', async () => {
      const pro = await scheduled({ buffer_before_minutes: 10, buffer_after_minutes: 20 });
      const start = hoursFromNow(100);
      const res = await at(pro, start);
      expect(res.status).to.equal(201);
      const row = (await db.query(`SELECT blocked_start, blocked_end FROM bookings WHERE id = $1`, [res.body.id])).rows[0];
      expect(row.blocked_start.getTime()).to.equal(start.getTime() - 10 * 60_000);
      expect(row.blocked_end.getTime()).to.equal(start.getTime() + 80 * 60_000);
    });

    it('answers 422 inside_minimum_notice for a start closer than the notice', async () => {
      const pro = await scheduled({ minimum_notice_minutes: 24 * 60 });
      const res = await at(pro, hoursFromNow(20));
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('inside_minimum_notice');
      expect((await at(pro, hoursFromNow(26))).status).to.equal(201);
    });

    it('answers 422 beyond_booking_horizon for a start past the horizon', async () => {
      const pro = await scheduled({ booking_horizon_days: 2 });
      const res = await at(pro, hoursFromNow(49));
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('beyond_booking_horizon');
      expect((await at(pro, hoursFromNow(46))).status).to.equal(201);
    });

    it('answers 422 off_slot_grid for a start off the local grid (Kathmandu, +05:45: the grid is not UTC’s)', async () => {
      const pro = await scheduled({ slot_step_minutes: 60 }, 'Asia/Kathmandu');
      const utcHour = hoursFromNow(30); // hh:00 UTC is hh:45 in Kathmandu
      const res = await at(pro, utcHour);
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('off_slot_grid');
      expect((await at(pro, new Date(utcHour.getTime() + 15 * 60_000))).status).to.equal(201);
    });

    it('answers 422 outside_availability on a date closed by an override, and follows weekly hours in the professional’s zone', async () => {
      const pro = await givenProfessional(system, { time_zone: 'America/New_York' });
      expect((await putSchedule(admin, pro.id, { weekly: [{ day: 'monday', start: '09:00', end: '17:00' }], slot_step_minutes: 30 })).status).to.equal(200);
      const today = Temporal.Now.plainDateISO('America/New_York');
      const monday = today.add({ days: 7 + ((8 - today.dayOfWeek) % 7) });
      const nineLocal = new Date(monday.toZonedDateTime({ timeZone: 'America/New_York', plainTime: '09:00' }).epochMilliseconds);
      expect((await at(pro.id, new Date(nineLocal.getTime() - 30 * 60_000))).body.code).to.equal('outside_availability');
      expect((await at(pro.id, nineLocal)).status).to.equal(201);
      const nextMonday = monday.add({ days: 7 });
      expect((await putOverride(admin, pro.id, nextMonday.toString(), { intervals: [] })).status).to.equal(200);
      const closed = await at(pro.id, new Date(nineLocal.getTime() + 7 * 86_400_000 + 3_600_000));
      expect(closed.status).to.equal(422);
      expect(closed.body.code).to.equal('outside_availability');
    });

    it('answers 409 slot_taken when the buffers of two bookings would overlap, though the bookings do not', async () => {
      const pro = await scheduled({ buffer_after_minutes: 30 });
      const first = hoursFromNow(60);
      expect((await at(pro, first)).status).to.equal(201);
      const clash = await at(pro, new Date(first.getTime() + 75 * 60_000));
      expect(clash.status).to.equal(409);
      expect(clash.body.code).to.equal('slot_taken');
      expect((await at(pro, new Date(first.getTime() + 90 * 60_000))).status).to.equal(201);
    });

    it('checks the rules in order: notice before grid and availability', async () => {
      const pro = await scheduled({ minimum_notice_minutes: 48 * 60, slot_step_minutes: 60 });
      const res = await at(pro, new Date(hoursFromNow(5).getTime() + 5 * 60_000));
      expect(res.body.code).to.equal('inside_minimum_notice');
    });

    it('keeps a professional without a schedule on its one-off windows, with the default 5-minute grid', async () => {
      const pro = await givenProfessional(system);
      expect((await at(pro.id, new Date(pro.window.start.getTime() + 3 * 60_000))).body.code).to.equal('off_slot_grid');
      expect((await at(pro.id, new Date(pro.window.start.getTime() + 5 * 60_000))).status).to.equal(201);
      expect((await at(pro.id, new Date(pro.window.end.getTime()))).body.code).to.equal('outside_availability');
    });
  });
});
