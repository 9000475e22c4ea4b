import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import { createLogger } from '../../shared/logger.ts';
import { createApp } from '../app.ts';
import { createRuntime } from '../main.ts';

/**
 * Freshness is a contract, not a TTL: with a 30 s cache TTL, cached answers (in Redis and in the
 * in-process near cache of every instance) must change as soon as the change is searchable.
 * The deadlines here only prove that invalidation happened long before the TTL; the bench measures
 * the actual freshness percentiles.
 */
describe('search freshness through the cache', function () {
  this.timeout(90_000);
  const WELL_BEFORE_TTL_MS = 5_000;
  let system: TestSystem;
  let other: { app: Express; close(): Promise<void> };

  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true, env: { SEARCH_CACHE_TTL_S: '30' } });
    // a second query-api instance on the same Redis and index
    const runtime = await createRuntime(system.config, { logger: createLogger({ name: 'other', level: 'silent' }) });
    other = { app: createApp(runtime.deps), close: runtime.close };
  });
  after(async () => {
    await other.close();
    await system.close();
  });

  const ids = (res: { body: { data?: Array<{ id: string }> } }) => (res.body.data ?? []).map((row) => row.id);
  const search = (app: Express | string, query: object) => request(app).get('/search/professionals').query(query);
  const accra = { lat: 5.6037, long: -0.187, location_radius_km: 5, limit: 100 };

  /** A professional with a window, searchable (polled through the cache: the empty answers get invalidated too). */
  async function searchablePro(category: string, where = accra) {
    const pro = await givenProfessional(system, { category, lat: where.lat, long: where.long }, { start: hoursFromNow(30), end: hoursFromNow(34) });
    const slot = { ...where, category, start_time: addMinutes(pro.window.start, 60).toISOString(), duration_minutes: 60 };
    await eventually(async () => ids(await search(system.query!.url, slot)).includes(pro.id), WELL_BEFORE_TTL_MS);
    return { pro, slot };
  }

  async function cachedOnBoth(query: object) {
    for (const app of [system.query!.url, other.app]) {
      await search(app, query);
      const again = await search(app, query);
      expect(again.headers['x-cache'], 'cached before the change').to.equal('HIT');
    }
  }

  it('stops offering a booked slot on every instance, cached in Redis and in memory, well before the TTL', async () => {
    const category = uniqueId('fresh').toLowerCase();
    const { pro, slot } = await searchablePro(category);
    await cachedOnBoth(slot);

    const client = await system.token('client', uniqueId('client'));
    const booked = await book(system.command!.app, client, { professional_id: pro.id, start_time: slot.start_time, duration_minutes: 60 });
    expect(booked.status).to.equal(201);
    for (const app of [system.query!.url, other.app]) {
      await eventually(async () => !ids(await search(app, slot)).includes(pro.id), WELL_BEFORE_TTL_MS);
    }
  });

  it('shows a changed profile and free ranges in the cached detail of a professional well before the TTL', async () => {
    const { pro, slot } = await searchablePro(uniqueId('detail').toLowerCase());
    const detail = () => request(system.query!.url).get(`/search/professionals/${pro.id}`);
    await detail();
    expect((await detail()).headers['x-cache']).to.equal('HIT');

    const admin = await system.token('admin', 'admin-1');
    expect(
      (await request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ rate_per_minute: 777 })).status,
    ).to.equal(200);
    await eventually(async () => (await detail()).body.rate_per_minute === 777, WELL_BEFORE_TTL_MS);

    const client = await system.token('client', uniqueId('client'));
    expect((await book(system.command!.app, client, { professional_id: pro.id, start_time: slot.start_time, duration_minutes: 60 })).status).to.equal(201);
    await eventually(async () => (await detail()).body.free_ranges.length === 2, WELL_BEFORE_TTL_MS);
  });

  it('keeps cached answers that a change cannot affect: another area, other hours of the same area, profile-only searches', async () => {
    const kumasi = { lat: 6.6885, long: -1.6244, location_radius_km: 5, limit: 100 };
    const category = uniqueId('narrow').toLowerCase();
    const { pro, slot } = await searchablePro(category);
    const elsewhere = { ...kumasi, category, start_time: slot.start_time, duration_minutes: 60 };
    const otherDay = { ...slot, start_time: addMinutes(new Date(slot.start_time), 3 * 24 * 60).toISOString() };
    const laterThatDay = { ...slot, start_time: addMinutes(new Date(slot.start_time), 120).toISOString() };
    const profiles = { ...accra, category };
    const untouched = [elsewhere, otherDay, laterThatDay, profiles];
    for (const q of untouched) await cachedOnBoth(q);

    const client = await system.token('client', uniqueId('client'));
    expect((await book(system.command!.app, client, { professional_id: pro.id, start_time: slot.start_time, duration_minutes: 60 })).status).to.equal(201);
    await eventually(async () => !ids(await search(system.query!.url, slot)).includes(pro.id), WELL_BEFORE_TTL_MS);

    for (const q of untouched) {
      const res = await search(system.query!.url, q);
      expect(res.headers['x-cache'], JSON.stringify(q)).to.equal('HIT');
    }
  });

  it('serves nothing cached before an outage of the indexer’s Redis once Redis answers it again', async () => {
    const category = uniqueId('outage').toLowerCase();
    const { pro, slot } = await searchablePro(category);
    await cachedOnBoth(slot);

    const indexerRedis = system.indexer!.deps.redis!;
    indexerRedis.disconnect(); // the invalidation of the booking below cannot reach Redis
    try {
      const client = await system.token('client', uniqueId('client'));
      expect((await book(system.command!.app, client, { professional_id: pro.id, start_time: slot.start_time, duration_minutes: 60 })).status).to.equal(201);
      await eventually(async () => {
        const metrics = await request(system.indexer!.app).get('/metrics');
        return /search_cache_invalidation_failures_total\{service="indexer"\} [1-9]/.test(metrics.text);
      }, WELL_BEFORE_TTL_MS);
    } finally {
      await indexerRedis.connect();
    }
    for (const app of [system.query!.url, other.app]) {
      await eventually(async () => !ids(await search(app, slot)).includes(pro.id), WELL_BEFORE_TTL_MS);
    }
  });
});
