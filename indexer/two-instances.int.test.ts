import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { addMinutes, book, givenProfessional, hoursFromNow } from '../scripts/testing/builders.ts';
import { checkIndex } from '../scripts/check-index.ts';
import { createLogger } from '../shared/logger.ts';
import { createApp as createCommandApp } from '../command-api/app.ts';
import { createRuntime as createCommandRuntime } from '../command-api/main.ts';
import type { IndexerDeps } from './deps.ts';
import { createRuntime } from './main.ts';

describe('two indexer instances fed by two command-api instances', function () {
  this.timeout(120_000);
  let system: TestSystem;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    system = await startTestSystem({ command: true, indexerWorkers: true, env: { SEARCH_CACHE_TTL_S: '0' } });
    const logger = createLogger({ name: 'second', level: 'silent' });
    const indexer = await createRuntime(system.config, { logger });
    closers.push(indexer.close);
    indexers = [system.indexer!.deps, indexer.deps];
    const command = await createCommandRuntime(system.config, { logger, workers: false });
    closers.push(command.close);
    secondApp = createCommandApp(command.deps, { ...command.appOptions, idempotencyLockSeconds: 60 });
  });
  after(async () => {
    for (const close of closers) await close();
    await system.close();
  });
  let secondApp: Express;
  let indexers: IndexerDeps[];
  const syncs = async (deps: IndexerDeps) => (await deps.metrics.syncs.get()).values.reduce((sum, v) => sum + v.value, 0);

  it('leave the read model equal to PostgreSQL after concurrent writes through both (check-index finds no difference)', async () => {
    const apps = [system.command!.app, secondApp];
    const admin = await system.token('admin', 'admin-1');
    const pros = await Promise.all(Array.from({ length: 4 }, () => givenProfessional(system, {}, { start: hoursFromNow(24), end: hoursFromNow(36) })));
    const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => system.token('client', `two-instances-client-${i}`)));
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const bookings: Array<{ id: string; client: string }> = [];
    const statuses: number[] = [];

    const operation = async (writer: number, i: number) => {
      const app = apps[(writer + i) % 2]!;
      const pro = pros[random(pros.length)]!;
      const client = clients[writer]!;
      switch (random(4)) {
        case 0:
          return request(app)
            .patch(`/professionals/${pro.id}`)
            .set('Authorization', `Bearer ${admin}`)
            .send({ rate_per_minute: 100 + random(400) });
        case 1: {
          const start = hoursFromNow(40 + random(200));
          return request(app)
            .post(`/professionals/${pro.id}/availabilities`)
            .set('Authorization', `Bearer ${admin}`)
            .send({ start_time: start.toISOString(), end_time: addMinutes(start, 60).toISOString() });
        }
        case 2: {
          const res = await book(app, client, {
            professional_id: pro.id,
            start_time: addMinutes(pro.window.start, 15 * random(44)).toISOString(),
            duration_minutes: 30,
          });
          if (res.status === 201) bookings.push({ id: res.body.id, client });
          return res;
        }
        default: {
          const b = bookings.splice(random(bookings.length + 1), 1)[0];
          if (!b) return request(app).get('/health/live');
          return request(app).post(`/bookings/${b.id}/cancel`).set('Authorization', `Bearer ${b.client}`).send({});
        }
      }
    };
    await Promise.all(
      clients.map(async (_, writer) => {
        for (let i = 0; i < 10; i++) statuses.push((await operation(writer, i)).status);
      }),
    );
    expect(
      statuses.filter((s) => s >= 500),
      'server errors',
    ).to.deep.equal([]);
    expect(statuses.filter((s) => s < 300).length, 'successful writes').to.be.greaterThan(40);

    const { deps } = system.indexer!;
    const differences = await checkIndex(
      { pool: deps.pool, es: deps.es, alias: system.config.elasticsearch.alias, horizonDays: system.config.search.horizonDays },
      { settleMs: 5000 },
    );
    expect(differences).to.deep.equal([]);
    // both took their share of the sync jobs
    for (const deps of indexers) expect(await syncs(deps)).to.be.greaterThan(0);
  });
});
