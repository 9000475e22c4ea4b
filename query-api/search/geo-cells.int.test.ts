import { expect } from 'chai';
import request from 'supertest';
import { eventually, givenProfessional } from '../../scripts/testing/builders.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { createLogger } from '../../shared/logger.ts';
import { INDEX_FEATURES } from '../../shared/search/professionals-index.ts';
import { createApp } from '../app.ts';
import { createRuntime } from '../main.ts';

describe('searching by geo cells', function () {
  this.timeout(60_000);
  let system: TestSystem;
  const near = { lat: 5.61, long: -0.19 };

  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true });
    // one professional on each side of a cell border (0.05° grid: 5.60 | 5.65), both within 10 km of the search
    for (const lat of [5.649, 5.651]) await givenProfessional(system, { category: 'cellstest', lat, long: -0.19 });
    const { es } = system.query!.deps;
    await eventually(async () => (await es.count({ index: system.config.elasticsearch.alias, query: { term: { category: 'cellstest' } } })).count === 2);
  });
  after(() => system.close());

  /** Searches through a fresh query-api instance, and says whether its Elasticsearch query used geo cells. */
  async function search(): Promise<{ ids: string[]; byCells: boolean }> {
    const runtime = await createRuntime(system.config, { logger: createLogger({ name: 'cells', level: 'silent' }) });
    let byCells = false;
    runtime.deps.es.diagnostic.on('request', (_err, event) => {
      if (String(event?.meta.request.params.body ?? '').includes('"geo_cells"')) byCells = true;
    });
    try {
      const res = await request(createApp(runtime.deps))
        .get('/search/professionals')
        .query({ ...near, location_radius_km: 10, category: 'cellstest' });
      expect(res.status).to.equal(200);
      return { ids: (res.body.data as Array<{ id: string }>).map((r) => r.id), byCells };
    } finally {
      await runtime.close();
    }
  }

  it('starts from the cells around the search, and still finds the professionals of every cell it touches', async () => {
    const { ids, byCells } = await search();
    expect(byCells).to.equal(true);
    expect(ids).to.have.length(2);
  });

  it('searches an index built before geo cells without them (until a reindex), finding the same professionals', async () => {
    const { es } = system.query!.deps;
    const index = system.config.elasticsearch.alias;
    await es.indices.putMapping({ index, _meta: {} });
    try {
      const { ids, byCells } = await search();
      expect(byCells).to.equal(false);
      expect(ids).to.have.length(2);
    } finally {
      await es.indices.putMapping({ index, _meta: INDEX_FEATURES });
    }
  });
});
