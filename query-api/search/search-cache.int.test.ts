import { expect } from 'chai';
import request from 'supertest';
import { services } from '../../scripts/testing/services.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { eventually, givenProfessional } from '../../scripts/testing/builders.ts';
import { createLogger } from '../../shared/logger.ts';
import { createApp } from '../app.ts';
import { createRuntime } from '../main.ts';

describe('search cache and rate limits', function () {
  this.timeout(60_000);
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true });
    await givenProfessional(system, { category: 'cachetest' });
    // asked of Elasticsearch directly: polling the API would cache the empty answer
    const { es } = system.query!.deps;
    await eventually(async () => (await es.count({ index: system.config.elasticsearch.alias, query: { term: { category: 'cachetest' } } })).count === 1);
    // every sync done, invalidations included: a late one would turn the hits these tests expect into misses
    const { pool } = system.indexer!.deps;
    await eventually(
      async () =>
        (await pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'read-model-sync' AND state IN ('created', 'retry', 'active')`)).rows[0].n ===
        0,
    );
  });
  after(() => system.close());

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let n = 0;
  /** A query nobody asked before, so it starts as a miss. */
  const freshQuery = () => ({ lat: 5.6037, long: -0.187, location_radius_km: 10 + ++n / 1000, category: 'cachetest' });
  const get = (query: object) => request(system.query!.url).get('/search/professionals').query(query);

  /** Counts the search requests the query API's Elasticsearch client sends. */
  function countSearches(): { count: () => number; stop: () => void } {
    let count = 0;
    const es = system.query!.deps.es;
    const onRequest = (_err: unknown, event: { meta: { request: { params: { path: string } } } } | null) => {
      if (event?.meta.request.params.path.endsWith('/_search')) count++;
    };
    es.diagnostic.on('request', onRequest);
    return { count: () => count, stop: () => es.diagnostic.off('request', onRequest) };
  }

  it('costs one Elasticsearch query for 50 identical concurrent misses, and none for the repeats that follow', async () => {
    const q = freshQuery();
    const counter = countSearches();
    try {
      const responses = await Promise.all(Array.from({ length: 50 }, () => get(q)));
      expect(responses.map((r) => r.status)).to.deep.equal(Array(50).fill(200));
      expect(new Set(responses.map((r) => r.text)).size).to.equal(1);
      expect(responses.map((r) => r.body.data.length)[0]).to.be.greaterThan(0);
      expect(responses.filter((r) => r.headers['x-cache'] === 'MISS')).to.have.length(1);
      expect(counter.count()).to.equal(1);

      const again = await Promise.all(Array.from({ length: 10 }, () => get(q)));
      expect(again.every((r) => r.headers['x-cache'] === 'HIT')).to.equal(true);
      expect(counter.count()).to.equal(1);
    } finally {
      counter.stop();
    }
  });

  it('answers uncached and fast while Redis is down, and caches again once it is back', async () => {
    const redis = services().redis;
    const q = freshQuery();
    await redis.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const res = await get(q);
        expect(res.status).to.equal(200);
        expect(res.headers['x-cache']).to.equal('MISS');
        expect(res.body.data.length).to.be.greaterThan(0);
        expect(Date.now() - started).to.be.below(300);
      }
      const ready = await request(system.query!.app).get('/health/ready');
      expect(ready.status, 'Redis is not needed to serve').to.equal(200);
      expect(ready.body.checks).to.include({ redis: 'down', elasticsearch: 'up' });
    } finally {
      await redis.restart();
    }
    await eventually(async () => system.query!.deps.redis!.status === 'ready', 10_000);
    await get(q);
    expect((await get(q)).headers['x-cache']).to.equal('HIT');
  });

  it('answers a hot query from process memory without a Redis round trip', async () => {
    const redis = system.query!.deps.redis!;
    const gets = async () => Number(/cmdstat_get:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const q = freshQuery();
    await get(q); // miss: Elasticsearch, then Redis and memory
    await sleep(200); // the fill lock's release (a script that GETs the lock) lands after the answer
    const before = await gets();
    const hits = await Promise.all(Array.from({ length: 10 }, () => get(q)));
    expect(hits.every((r) => r.headers['x-cache'] === 'HIT')).to.equal(true);
    expect((await gets()) - before).to.equal(0);
  });

  it('shares cached answers between instances through Redis, and never serves one past its original expiry', async () => {
    // Two more instances with a 1 s TTL, on the same Redis and index
    const config = { ...system.config, search: { ...system.config.search, cacheTtlSeconds: 1 } };
    const logger = createLogger({ name: 'test', level: 'silent' });
    const [a, b] = await Promise.all([createRuntime(config, { logger }), createRuntime(config, { logger })]);
    try {
      const [appA, appB] = [createApp(a.deps), createApp(b.deps)];
      let searchesByB = 0;
      b.deps.es.diagnostic.on('request', () => searchesByB++);
      const q = freshQuery();
      const filled = await request(appA).get('/search/professionals').query(q);
      expect(filled.headers['x-cache']).to.equal('MISS');
      await sleep(600);
      const shared = await request(appB).get('/search/professionals').query(q);
      expect(shared.headers['x-cache']).to.equal('HIT');
      expect(shared.text).to.equal(filled.text);
      expect(searchesByB).to.equal(0);
      await sleep(500); // 1.1 s after A filled it: B's copy from Redis must have expired with the original
      expect((await request(appB).get('/search/professionals').query(q)).headers['x-cache']).to.equal('MISS');
      expect(searchesByB).to.equal(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('costs one Elasticsearch query for 20 identical concurrent misses spread over two instances', async () => {
    const other = await createRuntime(system.config, { logger: createLogger({ name: 'other', level: 'silent' }) });
    let searchesByOther = 0;
    const onRequest = (_err: unknown, event: { meta: { request: { params: { path: string } } } } | null) => {
      if (event?.meta.request.params.path.endsWith('/_search')) searchesByOther++;
    };
    other.deps.es.diagnostic.on('request', onRequest);
    const counter = countSearches();
    try {
      const otherApp = createApp(other.deps);
      const q = freshQuery();
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? get(q) : request(otherApp).get('/search/professionals').query(q))),
      );
      expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
      expect(new Set(responses.map((r) => r.text)).size).to.equal(1);
      expect(responses[0]!.body.data.length).to.be.greaterThan(0);
      expect(new Set(responses.map((r) => r.headers.etag)).size, 'one entity tag').to.equal(1);
      expect(counter.count() + searchesByOther, 'Elasticsearch searches').to.equal(1);
      expect(responses.filter((r) => r.headers['x-cache'] === 'MISS')).to.have.length(1);
    } finally {
      counter.stop();
      await other.close();
    }
  });

  it('caches in process when there is no Redis', async () => {
    const runtime = await createRuntime({ ...system.config, redisUrl: undefined }, { logger: createLogger({ name: 'test', level: 'silent' }) });
    try {
      const app = createApp(runtime.deps);
      const q = freshQuery();
      expect((await request(app).get('/search/professionals').query(q)).headers['x-cache']).to.equal('MISS');
      const second = await request(app).get('/search/professionals').query(q);
      expect(second.headers['x-cache']).to.equal('HIT');
      expect(second.body.data.length).to.be.greaterThan(0);
    } finally {
      await runtime.close();
    }
  });

  describe('rate limit', () => {
    let limited: TestSystem;
    // Counters live in fixed one-minute windows: start each test well inside one.
    beforeEach(async () => {
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 5_000) await new Promise((r) => setTimeout(r, left + 50));
    });
    before(async () => {
      limited = await startTestSystem({ query: true, indexer: true, indexerWorkers: false, env: { SEARCH_RATE_LIMIT_PER_MIN: '5' } });
    });
    after(() => limited.close());

    it('answers 429 problem+json with Retry-After and RateLimit headers once a client exceeds its limit', async () => {
      const q = { lat: 5.6, long: -0.18, location_radius_km: 5 };
      const first = await request(limited.query!.url).get('/search/professionals').query(q);
      expect(first.status).to.equal(200);
      expect(first.headers['ratelimit-policy']).to.match(/q=5/);
      expect(first.headers.ratelimit).to.match(/r=4/);
      for (let i = 0; i < 4; i++) expect((await request(limited.query!.url).get('/search/professionals').query(q)).status).to.equal(200);
      const refused = await request(limited.query!.url).get('/search/professionals').query(q);
      expect(refused.status).to.equal(429);
      expect(refused.type).to.equal('application/problem+json');
      expect(refused.body).to.include({ status: 429, code: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 60);
      expect(refused.headers.ratelimit).to.match(/r=0/);
      // health and metrics are not limited
      expect((await request(limited.query!.url).get('/health/live')).status).to.equal(200);
    });

    it('shares the counts between instances through Redis', async () => {
      const other = await createRuntime(limited.config, { logger: createLogger({ name: 'other', level: 'silent' }) });
      try {
        const otherApp = createApp(other.deps);
        const q = { lat: 5.61, long: -0.19, location_radius_km: 5 };
        const client = '203.0.113.7';
        for (let i = 0; i < 3; i++) {
          expect((await request(limited.query!.app).get('/search/professionals').set('X-Forwarded-For', client).query(q)).status).to.equal(200);
        }
        await new Promise((r) => setTimeout(r, 300)); // counters reach Redis every 100 ms
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await request(otherApp).get('/search/professionals').set('X-Forwarded-For', client).query(q)).status);
        expect(statuses).to.deep.equal([200, 200, 429]);
      } finally {
        await other.close();
      }
    });
  });
});
