import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { createApp } from '../app.ts';
import { createRuntime } from '../main.ts';

describe('repeated searches answered from memory before Express', function () {
  this.timeout(60_000);
  let system: TestSystem;
  let runtime: Awaited<ReturnType<typeof createRuntime>>;
  let app: ReturnType<typeof createApp>;
  const lines: Array<Record<string, unknown>> = [];
  let servedFromMemory = 0;

  before(async () => {
    system = await startTestSystem({ query: true, indexer: true, indexerWorkers: false, env: { SEARCH_RATE_LIMIT_PER_MIN: '20' } });
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    runtime = await createRuntime(system.config, { logger: pino({ name: 'query-api' }, logs) });
    const { cache } = runtime.deps;
    const peek = cache.peek;
    // counts the answers the path before Express sends (the route's own reads do not come through here)
    cache.peek = (key) => {
      const answer = peek(key);
      if (answer) servedFromMemory++;
      return answer;
    };
    app = createApp(runtime.deps);
  });
  beforeEach(async () => {
    // rate-limit windows are whole minutes: keep each test inside one
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5_000) await new Promise((r) => setTimeout(r, left + 50));
  });
  after(async () => {
    await runtime.close();
    await system.close();
  });

  const UNCOMPARABLE = ['date', 'x-request-id', 'ratelimit', 'connection', 'keep-alive'];
  const comparable = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !UNCOMPARABLE.includes(name)));

  it('sends the same body, headers, log line and metrics as the route, and counts the request against the client’s limit', async () => {
    const q = { lat: 5.62, long: -0.2, location_radius_km: 7 };
    const first = await request(app).get('/search/professionals').query(q);
    expect(first.status).to.equal(200);
    expect(first.headers['x-cache']).to.equal('MISS');
    const before = servedFromMemory;
    lines.length = 0;
    const fromMemory = await request(app).get('/search/professionals').query(q).set('X-Request-Id', 'hot-1');
    expect(servedFromMemory, 'answered before Express').to.equal(before + 1);
    // a request carrying Cache-Control is left to Express, which answers it from the same cache
    const throughExpress = await request(app).get('/search/professionals').query(q).set('X-Request-Id', 'route-1').set('Cache-Control', 'no-cache');
    expect(servedFromMemory, 'left to Express').to.equal(before + 1);

    for (const res of [fromMemory, throughExpress]) {
      expect(res.status).to.equal(200);
      expect(res.text).to.equal(first.text);
      expect(res.headers['x-cache']).to.equal('HIT');
    }
    expect(comparable(fromMemory.headers)).to.deep.equal(comparable(throughExpress.headers));
    expect(fromMemory.headers['x-request-id']).to.equal('hot-1');
    expect(fromMemory.headers['x-content-type-options']).to.equal('nosniff');
    expect(fromMemory.headers.ratelimit).to.match(/"20-in-1min"; r=18; t=\d+/);
    expect(throughExpress.headers.ratelimit).to.match(/"20-in-1min"; r=17; t=\d+/);

    const [hot, routed] = ['hot-1', 'route-1'].map((id) => lines.find((l) => (l.req as { id?: string } | undefined)?.id === id));
    expect(hot, 'a log line for the request answered from memory').to.not.equal(undefined);
    expect(Object.keys(hot!).sort()).to.deep.equal(Object.keys(routed!).sort());
    expect({ ...hot, time: 0, responseTime: 0, req: { ...(hot!.req as object), id: '' } }).to.deep.equal({
      ...routed,
      time: 0,
      responseTime: 0,
      req: { ...(routed!.req as object), id: '' },
    });

    const metrics = await runtime.deps.registry.getSingleMetricAsString('http_request_duration_seconds');
    const count = Number(/http_request_duration_seconds_count\{[^}]*method="GET",route="\/search\/professionals",status="200"[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(count).to.equal(3);
  });

  it('leaves a client at its limit to the middleware, which refuses it with 429', async () => {
    const q = { lat: 5.63, long: -0.21, location_radius_km: 7 };
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await request(app).get('/search/professionals').query(q).set('X-Forwarded-For', '198.51.100.9');
      statuses.push(res.status);
    }
    expect(statuses).to.deep.equal([...Array(20).fill(200), ...Array(5).fill(429)]);
  });
});
