import { expect } from 'chai';
import request from 'supertest';
import { book, eventually, givenProfessional, uniqueId } from '../../scripts/testing/builders.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('GET /search/professionals/:id/slots follows the command side', function () {
  this.timeout(60_000);
  let system: TestSystem;
  let admin: string;
  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true });
    admin = await system.token('admin', 'admin-1');
  });
  after(() => system.close());

  const slots = async (id: string, from: number, days: number, minutes: number) => {
    const res = await request(system.query!.url)
      .get(`/search/professionals/${id}/slots`)
      .query({ from: new Date(from).toISOString(), to: new Date(from + days * DAY).toISOString(), duration_minutes: minutes });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body.slots as Array<{ start_time: string }>).map((s) => s.start_time);
  };

  it('lists the weekly hours once a schedule is saved, and drops a booked slot with its buffers once booked', async () => {
    const pro = await givenProfessional(system, { time_zone: 'Asia/Kathmandu' });
    const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    const put = await request(system.command!.app)
      .put(`/professionals/${pro.id}/schedule`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ weekly: days.map((day) => ({ day, start: '09:00', end: '12:00' })), slot_step_minutes: 60, buffer_after_minutes: 30 });
    expect(put.status).to.equal(200);
    // Kathmandu 09:00, 10:00, 11:00 are 03:15, 04:15, 05:15 UTC; one-hour bookings fit at 09:00, 10:00, 11:00
    const from = Math.floor(Date.now() / DAY) * DAY + 4 * DAY; // after the builder's one-off window (48–56 h ahead)
    const expected = ['03:15', '04:15', '05:15'].map((hhmm) => new Date(from + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MINUTE).toISOString());
    await eventually(async () => JSON.stringify(await slots(pro.id, from, 1, 60)) === JSON.stringify(expected));

    const client = await system.token('client', uniqueId('c'));
    expect((await book(system.command!.app, client, { professional_id: pro.id, start_time: expected[0], duration_minutes: 60 })).status).to.equal(201);
    // 09:00–10:00 is taken and its 30-minute buffer keeps 10:00 out (a new booking needs no overlap with 09:00–10:30)
    await eventually(async () => JSON.stringify(await slots(pro.id, from, 1, 60)) === JSON.stringify([expected[2]]));
  });
});
