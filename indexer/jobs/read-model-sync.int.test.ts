import { expect } from 'chai';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import { type ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { buildProfessionalDocument } from '../read-model/build-document.ts';
import { readSnapshotsByIds } from '../read-model/professional-snapshots.repository.ts';
import { writeDocuments } from '../read-model/index-professionals.ts';

describe('read model sync (indexer)', function () {
  this.timeout(60_000);
  let system: TestSystem;
  let admin: string;

  before(async () => {
    // no cache: these tests watch the read model change
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true, env: { SEARCH_CACHE_TTL_S: '0' } });
    admin = await system.token('admin', 'admin-1');
  });
  after(() => system.close());

  const search = (query: Record<string, string | number>) => request(system.query!.url).get('/search/professionals').query(query);
  const near = { lat: 5.6037, long: -0.187, location_radius_km: 5, limit: 100 };
  const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((row) => row.id);
  const indexedDoc = async (id: string) => {
    const res = await system.indexer!.deps.es.get<ProfessionalDocument>({ index: system.config.elasticsearch.alias, id }, { ignore: [404] });
    return res.found ? res._source : undefined;
  };

  it('makes a change searchable within a second of its commit', async () => {
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      const category = uniqueId('lag').toLowerCase();
      const started = Date.now();
      const pro = await givenProfessional(system, { category });
      await eventually(async () => ids(await search({ ...near, category })).includes(pro.id), 5_000, 10);
      lags.push(Date.now() - started);
    }
    lags.sort((a, b) => a - b);
    expect(lags[lags.length - 1], `lags ${lags.join(', ')} ms`).to.be.below(1_500);
    const metrics = await request(system.indexer!.app).get('/metrics');
    expect(metrics.text).to.match(/search_index_lag_seconds_count\{service="indexer"\} [1-9]/);
  });

  it('hides a professional from an availability search once a booking holds the slot, and shows it again once it is cancelled', async () => {
    const pro = await givenProfessional(system, { category: 'electrician' }, { start: hoursFromNow(30), end: hoursFromNow(34) });
    const slot = { ...near, category: 'electrician', start_time: addMinutes(pro.window.start, 60).toISOString(), duration_minutes: 60 };
    await eventually(async () => ids(await search(slot)).includes(pro.id));

    const client = await system.token('client', uniqueId('client'));
    const booked = await book(system.command!.app, client, { professional_id: pro.id, start_time: slot.start_time, duration_minutes: 30 });
    expect(booked.status).to.equal(201);
    await eventually(async () => !ids(await search(slot)).includes(pro.id));
    // the rest of the window is still free
    expect(ids(await search({ ...slot, start_time: pro.window.start.toISOString() }))).to.include(pro.id);

    const cancelled = await request(system.command!.app).post(`/bookings/${booked.body.id}/cancel`).set('Authorization', `Bearer ${client}`).send({});
    expect(cancelled.status).to.equal(200);
    await eventually(async () => ids(await search(slot)).includes(pro.id));
  });

  it('never lets a document built from an older search_version replace a newer one', async () => {
    const pro = await givenProfessional(system, { rate_per_minute: 100 });
    await eventually(async () => (await indexedDoc(pro.id))?.rate_per_minute === 100);
    const now = new Date();
    const [old] = await readSnapshotsByIds(system.indexer!.deps.pool, [pro.id], { from: now, to: hoursFromNow(24 * 60) });
    const oldDoc = buildProfessionalDocument(old!, now, system.config.search.horizonDays);

    const patched = await request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ rate_per_minute: 120 });
    expect(patched.status).to.equal(200);
    await eventually(async () => (await indexedDoc(pro.id))?.rate_per_minute === 120);

    // what a slow sync that read the snapshot before the change would write now
    const outcomes = await writeDocuments({ es: system.indexer!.deps.es, alias: system.config.elasticsearch.alias }, [oldDoc], [], 'wait_for');
    expect(outcomes.get(pro.id)).to.deep.equal({ ok: true, result: 'stale' });
    const current = await indexedDoc(pro.id);
    expect(current).to.include({ rate_per_minute: 120 });
    expect(current!.search_version).to.be.greaterThan(oldDoc.search_version);
  });

  it('keeps a deactivated professional out of search and its detail, and brings it back when reactivated', async () => {
    const category = uniqueId('inactive').toLowerCase();
    const pro = await givenProfessional(system, { category });
    await eventually(async () => ids(await search({ ...near, category })).includes(pro.id));
    const patch = (active: boolean) => request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ active });

    expect((await patch(false)).status).to.equal(200);
    await eventually(async () => !ids(await search({ ...near, category })).includes(pro.id));
    const detail = await request(system.query!.url).get(`/search/professionals/${pro.id}`);
    expect(detail.status).to.equal(404);
    expect(detail.body.code).to.equal('professional_not_found');

    expect((await patch(true)).status).to.equal(200);
    await eventually(async () => ids(await search({ ...near, category })).includes(pro.id));
  });
});
