import { expect } from 'chai';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { eventually, givenProfessional } from '../../scripts/testing/builders.ts';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { QUEUES } from '../../shared/queue.ts';
import { reconcileReadModel } from './reconcile-read-model.ts';

describe('read model reconciler', function () {
  this.timeout(90_000);
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ command: true, indexerWorkers: true });
  });
  after(() => system.close());

  const alias = () => system.config.elasticsearch.alias;
  const es = () => system.indexer!.deps.es;
  const indexed = async (id: string) => {
    const res = await es().get<ProfessionalDocument>({ index: alias(), id }, { ignore: [404] });
    return res.found ? res._source : undefined;
  };
  const version = async (id: string) =>
    Number((await system.indexer!.deps.pool.query(`SELECT search_version FROM professionals WHERE id = $1`, [id])).rows[0].search_version);
  const synced = (id: string) => eventually(async () => (await indexed(id))?.search_version === (await version(id)));

  it('finds nothing to do when the read model matches PostgreSQL', async () => {
    const pro = await givenProfessional(system);
    await synced(pro.id);
    expect(await reconcileReadModel(system.indexer!.deps, { graceMs: 200 })).to.deep.equal([]);
    const metrics = await request(system.indexer!.app).get('/metrics');
    expect(metrics.text).to.match(/search_read_model_divergent_documents\{service="indexer"\} 0/);
  });

  it('heals documents deleted, left behind, added or pushed ahead by hand, and counts them', async () => {
    const [deleted, behind, ahead] = await Promise.all([givenProfessional(system), givenProfessional(system), givenProfessional(system)]);
    for (const pro of [deleted, behind, ahead]) await synced(pro.id);
    const current = (await indexed(behind.id))!;
    await es().delete({ index: alias(), id: deleted.id, refresh: true });
    // a change committed without its sync job (as if it had been lost), an extra document, and a version PostgreSQL never had
    await system.indexer!.deps.pool.query(`UPDATE professionals SET name = 'Renamed', search_version = search_version + 1 WHERE id = $1`, [behind.id]);
    await es().index({ index: alias(), id: 'ghost', document: { ...current, id: 'ghost' }, version: 1, version_type: 'external', refresh: true });
    await es().index({
      index: alias(),
      id: ahead.id,
      document: { ...(await indexed(ahead.id))!, search_version: 999, name: 'Edited' },
      version: 999,
      version_type: 'external',
      refresh: true,
    });

    const divergent = await reconcileReadModel(system.indexer!.deps, { graceMs: 200 });
    expect([...divergent].sort()).to.deep.equal([deleted.id, behind.id, 'ghost', ahead.id].sort());
    const metrics = await request(system.indexer!.app).get('/metrics');
    expect(metrics.text).to.match(/search_read_model_divergent_documents\{service="indexer"\} 4/);

    await eventually(async () => (await indexed(deleted.id))?.search_version === (await version(deleted.id)));
    await eventually(async () => (await indexed(behind.id))?.name === 'Renamed');
    await eventually(async () => (await indexed('ghost')) === undefined);
    await eventually(async () => (await indexed(ahead.id))?.name === current.name);
    expect(await version(ahead.id)).to.be.greaterThan(999);
    expect((await indexed(ahead.id))!.search_version).to.equal(await version(ahead.id));
    expect(await reconcileReadModel(system.indexer!.deps, { graceMs: 200 })).to.deep.equal([]);
  });

  it('does not count a change whose sync is merely in flight', async () => {
    const pro = await givenProfessional(system);
    await synced(pro.id);
    // a newer version committed with its job, which the workers sync during the grace period
    const admin = await system.token('admin', 'admin-1');
    const patched = await request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ rate_per_minute: 321 });
    expect(patched.status).to.equal(200);
    expect(await reconcileReadModel(system.indexer!.deps, { graceMs: 2000 })).to.deep.equal([]);
  });

  it('runs every minute on one indexer instance at a time', async () => {
    const schedules = await system.indexer!.deps.boss.getSchedules(QUEUES.readModelReconcile);
    expect(schedules.map((s) => s.cron)).to.deep.equal(['* * * * *']);
    const queue = await system.indexer!.deps.boss.getQueue(QUEUES.readModelReconcile);
    expect(queue?.policy).to.equal('singleton');
  });
});
