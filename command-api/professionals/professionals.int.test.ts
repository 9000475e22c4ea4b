import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';

describe('professionals and availability', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let admin: string;

  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
    admin = await system.token('admin', 'admin-1');
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const as = (token: string) => ({
    post: (path: string, body: object) => request(system.command!.app).post(path).set('Authorization', `Bearer ${token}`).send(body),
    patch: (path: string, body: object) => request(system.command!.app).patch(path).set('Authorization', `Bearer ${token}`).send(body),
    del: (path: string) => request(system.command!.app).delete(path).set('Authorization', `Bearer ${token}`),
  });
  const state = async (id: string) => (await db.query(`SELECT search_version, name, rate_per_minute, active FROM professionals WHERE id = $1`, [id])).rows[0];
  const syncJobs = async (id: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'read-model-sync' AND data->>'professional_id' = $1`, [id])).rows[0].n as number;

  const validBody = () => ({
    name: 'Kofi Boateng',
    category: 'Electrician',
    rate_per_minute: 200,
    currency: 'ghs',
    lat: 5.6,
    long: -0.19,
    travel_modes: ['motorbike'],
    time_zone: 'Africa/Accra',
  });

  it('creates a professional as admin with a generated id, normalised category and currency, and queues a search sync', async () => {
    const res = await as(admin).post('/professionals', validBody());
    expect(res.status).to.equal(201);
    expect(res.body.id).to.match(/^pro_[0-9a-f]{16}$/);
    expect(res.body).to.include({ category: 'electrician', currency: 'GHS', rate_per_minute: 200, active: true });
    expect(res.headers.location).to.equal(`/professionals/${res.body.id}`);
    expect(await syncJobs(res.body.id)).to.equal(1);
  });

  it('keeps a given slug id, and answers 409 professional_exists when it is taken', async () => {
    const id = uniqueId('kofi');
    expect((await as(admin).post('/professionals', { ...validBody(), id })).status).to.equal(201);
    const dup = await as(admin).post('/professionals', { ...validBody(), id });
    expect(dup.status).to.equal(409);
    expect(dup.body.code).to.equal('professional_exists');
  });

  it('refuses creation to clients and professionals (403) and to anonymous callers (401)', async () => {
    expect((await as(await system.token('client', 'c')).post('/professionals', validBody())).status).to.equal(403);
    expect((await as(await system.token('professional', 'p', { professional_id: 'p' })).post('/professionals', validBody())).status).to.equal(403);
    expect((await request(system.command!.app).post('/professionals').send(validBody())).status).to.equal(401);
  });

  it('answers 400 naming each invalid field', async () => {
    const bad = { ...validBody(), id: 'has space', rate_per_minute: 0, lat: 91, long: '10', travel_modes: ['teleport'], time_zone: 'Mars/Base', extra: 1 };
    const res = await as(admin).post('/professionals', bad);
    expect(res.status).to.equal(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field.split('.')[0]);
    expect(fields).to.include.members(['id', 'rate_per_minute', 'lat', 'long', 'travel_modes', 'time_zone', 'extra']);
  });

  it('lets the professional itself change its profile, bumping search_version; others get 403', async () => {
    const pro = await givenProfessional(system);
    const before = await state(pro.id);
    const self = await system.token('professional', 'someone', { professional_id: pro.id });
    const res = await as(self).patch(`/professionals/${pro.id}`, { rate_per_minute: 175, name: 'Ama M.' });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ rate_per_minute: 175, name: 'Ama M.' });
    expect((await state(pro.id)).search_version).to.equal(before.search_version + 1);
    const other = await system.token('professional', 'x', { professional_id: 'someone-else' });
    expect((await as(other).patch(`/professionals/${pro.id}`, { name: 'Hijack' })).status).to.equal(403);
    expect((await state(pro.id)).name).to.equal('Ama M.');
  });

  it('answers 404 when patching an unknown professional and 400 for an empty patch', async () => {
    expect((await as(admin).patch('/professionals/nobody', { name: 'X' })).status).to.equal(404);
    expect((await as(admin).patch(`/professionals/${(await givenProfessional(system)).id}`, {})).status).to.equal(400);
  });

  it('refuses an overlapping availability window with 409 availability_overlap and accepts an adjacent one', async () => {
    const pro = await givenProfessional(system, {}, { start: hoursFromNow(24), end: hoursFromNow(28) });
    const overlap = await as(admin).post(`/professionals/${pro.id}/availabilities`, {
      start_time: hoursFromNow(27).toISOString(),
      end_time: hoursFromNow(30).toISOString(),
    });
    expect(overlap.status).to.equal(409);
    expect(overlap.body.code).to.equal('availability_overlap');
    const adjacent = await as(admin).post(`/professionals/${pro.id}/availabilities`, {
      start_time: hoursFromNow(28).toISOString(),
      end_time: hoursFromNow(30).toISOString(),
    });
    expect(adjacent.status).to.equal(201);
    expect(adjacent.body).to.include({ professional_id: pro.id });
  });

  it('answers 400 for a window that ends before it starts, and 404 for an unknown professional', async () => {
    const pro = await givenProfessional(system);
    const backwards = await as(admin).post(`/professionals/${pro.id}/availabilities`, {
      start_time: hoursFromNow(30).toISOString(),
      end_time: hoursFromNow(29).toISOString(),
    });
    expect(backwards.status).to.equal(400);
    expect(backwards.body.errors[0].field).to.equal('end_time');
    const unknown = await as(admin).post(`/professionals/nobody/availabilities`, {
      start_time: hoursFromNow(29).toISOString(),
      end_time: hoursFromNow(30).toISOString(),
    });
    expect(unknown.status).to.equal(404);
  });

  it('deletes a free window (204) but refuses one that holds a live booking (409 availability_has_bookings)', async () => {
    const pro = await givenProfessional(system);
    const res = await book(system.command!.app, await system.token('client', uniqueId('c')), {
      professional_id: pro.id,
      start_time: pro.window.start.toISOString(),
      duration_minutes: 60,
    });
    expect(res.status).to.equal(201);
    const refused = await as(admin).del(`/professionals/${pro.id}/availabilities/${pro.window.id}`);
    expect(refused.status).to.equal(409);
    expect(refused.body.code).to.equal('availability_has_bookings');

    const free = await givenProfessional(system);
    const self = await system.token('professional', 'me', { professional_id: free.id });
    expect((await as(self).del(`/professionals/${free.id}/availabilities/${free.window.id}`)).status).to.equal(204);
    expect((await as(self).del(`/professionals/${free.id}/availabilities/${free.window.id}`)).status).to.equal(404);
  });
});
