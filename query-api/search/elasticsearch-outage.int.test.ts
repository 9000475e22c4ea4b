import { expect } from 'chai';
import net from 'node:net';
import request from 'supertest';
import { services } from '../../scripts/testing/services.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import { checkIndex } from '../../scripts/check-index.ts';

/**
 * A TCP proxy in front of the real Elasticsearch that can refuse connections (node down) or accept
 * them and never answer (node hung), without touching the shared node itself.
 */
async function startFaultProxy(target: URL) {
  let mode: 'up' | 'hang' = 'up';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (mode === 'hang') return;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Connections are refused, as when the node is stopped. */
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        cut();
      }),
    hang: () => {
      mode = 'hang';
      cut();
    },
    up: async () => {
      mode = 'up';
      cut();
      if (!server.listening) await listen(port);
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
}

describe('search while Elasticsearch is unavailable', function () {
  this.timeout(90_000);
  let system: TestSystem;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;

  before(async () => {
    proxy = await startFaultProxy(new URL(services().elasticsearch.url));
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true, env: { ELASTICSEARCH_URL: proxy.url, SEARCH_CACHE_TTL_S: '0' } });
  });
  after(async () => {
    await system.close();
    await proxy.close();
  });

  const search = (query: object) => request(system.query!.url).get('/search/professionals').query(query);

  async function expectUnavailable(path: string, query: object = {}) {
    const started = Date.now();
    const res = await request(system.query!.url).get(path).query(query);
    expect(Date.now() - started, 'answered within 2 s').to.be.below(2000);
    expect(res.status).to.equal(503);
    expect(res.type).to.equal('application/problem+json');
    expect(res.body).to.include({ status: 503, code: 'search_unavailable' });
    expect(res.headers['retry-after']).to.match(/^\d+$/);
  }

  it('answers 503 within 2 s while Elasticsearch hangs or is down, keeps taking bookings, and catches up once it is back', async () => {
    const pro = await givenProfessional(system, { category: 'outage' }, { start: hoursFromNow(30), end: hoursFromNow(32) });
    const slot = { lat: 5.6037, long: -0.187, location_radius_km: 5, category: 'outage', start_time: pro.window.start.toISOString(), duration_minutes: 60 };
    await eventually(async () => (await search(slot)).body.data?.some((row: { id: string }) => row.id === pro.id));

    proxy.hang();
    await expectUnavailable('/search/professionals', slot);

    await proxy.down();
    await expectUnavailable('/search/professionals', slot);
    await expectUnavailable(`/search/professionals/${pro.id}`);
    expect((await request(system.query!.url).get('/health/ready')).status).to.equal(503);

    const client = await system.token('client', uniqueId('client'));
    const booked = await book(system.command!.app, client, { professional_id: pro.id, start_time: slot.start_time, duration_minutes: 30 });
    expect(booked.status, 'bookings do not depend on search').to.equal(201);
    // the sync job meets a dead Elasticsearch and is left to retry
    await eventually(async () =>
      /search_sync_total\{result="failed",service="indexer"\} [1-9]/.test((await request(system.indexer!.app).get('/metrics')).text),
    );

    await proxy.up();
    const caughtUp = Date.now();
    await eventually(
      async () => {
        const res = await search(slot);
        return res.status === 200 && !res.body.data.some((row: { id: string }) => row.id === pro.id);
      },
      30_000,
      100,
    );
    expect(Date.now() - caughtUp).to.be.below(15_000);
    // the rest of the window is still free
    const later = await search({ ...slot, start_time: addMinutes(pro.window.start, 30).toISOString(), duration_minutes: 90 });
    expect(later.body.data.map((row: { id: string }) => row.id)).to.include(pro.id);
  });

  it('loses no write of a burst made while Elasticsearch is down: the read model converges once it is back', async () => {
    const pros = await Promise.all(
      Array.from({ length: 3 }, () => givenProfessional(system, { category: 'burst' }, { start: hoursFromNow(40), end: hoursFromNow(48) })),
    );
    const admin = await system.token('admin', 'admin-1');
    const client = await system.token('client', uniqueId('client'));
    await proxy.down();
    try {
      const writes = pros.flatMap((pro, i) => [
        request(system.command!.app)
          .patch(`/professionals/${pro.id}`)
          .set('Authorization', `Bearer ${admin}`)
          .send({ rate_per_minute: 200 + i }),
        book(system.command!.app, client, { professional_id: pro.id, start_time: addMinutes(pro.window.start, 60 * i).toISOString(), duration_minutes: 60 }),
      ]);
      const statuses = (await Promise.all(writes)).map((r) => r.status);
      expect(
        statuses.every((st) => st === 200 || st === 201),
        statuses.join(),
      ).to.equal(true);
    } finally {
      await proxy.up();
    }
    const { deps } = system.indexer!;
    const differences = await checkIndex(
      { pool: deps.pool, es: deps.es, alias: system.config.elasticsearch.alias, horizonDays: system.config.search.horizonDays },
      { settleMs: 45_000 },
    );
    expect(differences).to.deep.equal([]);
  });
});
