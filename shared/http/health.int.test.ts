import { expect } from 'chai';
import path from 'node:path';
import request from 'supertest';
import { startElasticsearch, type RunningService } from '../../scripts/local-stack/elasticsearch.ts';
import { services } from '../../scripts/testing/services.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { eventually } from '../../scripts/testing/builders.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createApp as createQueryApp } from '../../query-api/app.ts';
import { createRuntime as createQueryRuntime } from '../../query-api/main.ts';

describe('health endpoints', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ command: true, indexer: true, indexerWorkers: false });
  });
  after(() => system.close());

  it('answers live and ready on every process, and serves Prometheus metrics', async () => {
    for (const app of [system.command!.app, system.indexer!.app]) {
      expect((await request(app).get('/health/live')).body).to.deep.equal({ status: 'ok' });
      const ready = await request(app).get('/health/ready');
      expect(ready.status).to.equal(200);
      expect(ready.body.status).to.equal('ok');
      const metrics = await request(app).get('/metrics');
      expect(metrics.status).to.equal(200);
      expect(metrics.text).to.match(/^# HELP /m);
      expect(metrics.text).to.include('process_resident_memory_bytes');
    }
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const res = await request(system.command!.app).get('/no/such/route');
    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status: 404, code: 'not_found' });
  });

  it('goes 503 naming Elasticsearch when it stops, and back to 200 when it returns', async function () {
    this.timeout(120_000);
    const dataDir = path.join(services().tmpDir, 'health-es');
    let es: RunningService = await startElasticsearch({ dataDir });
    const port = Number(new URL(es.url).port);
    const config = loadConfig({ ...system.env, ELASTICSEARCH_URL: es.url }, 'query-api');
    const runtime = await createQueryRuntime(config, { logger: createLogger({ name: 'health', level: 'silent' }) });
    const app = createQueryApp(runtime.deps);
    try {
      expect((await request(app).get('/health/ready')).status).to.equal(200);
      await es.stop();
      const down = await request(app).get('/health/ready');
      expect(down.status).to.equal(503);
      expect(down.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(down.body.code).to.equal('dependency_unavailable');
      expect(down.body.detail).to.include('elasticsearch');
      es = await startElasticsearch({ dataDir, port });
      await eventually(async () => (await request(app).get('/health/ready')).status === 200, 20_000, 200);
    } finally {
      await runtime.close();
      await es.stop();
    }
  });

  it('stays ready but reports Redis down while it is stopped, since search works without it', async function () {
    this.timeout(30_000);
    const config = loadConfig(system.env, 'query-api');
    const runtime = await createQueryRuntime(config, { logger: createLogger({ name: 'health', level: 'silent' }) });
    const app = createQueryApp(runtime.deps);
    const redis = services().redis;
    try {
      await eventually(async () => (await request(app).get('/health/ready')).body.checks?.redis === 'up', 5_000);
      await redis.stop();
      const degraded = await request(app).get('/health/ready');
      expect(degraded.status).to.equal(200);
      expect(degraded.body).to.deep.include({ status: 'degraded' });
      expect(degraded.body.checks.redis).to.equal('down');
    } finally {
      await redis.restart();
    }
    try {
      await eventually(async () => (await request(app).get('/health/ready')).body.status === 'ok', 10_000, 200);
    } finally {
      await runtime.close();
    }
  });
});
