import { expect } from 'chai';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, eventually, givenProfessional, hoursFromNow } from '../../scripts/testing/builders.ts';
import { checkIndex } from '../../scripts/check-index.ts';
import { markSearchStale } from '../../command-api/mark-search-stale.ts';
import { QUEUES, type ReadModelSyncJob } from '../../shared/queue.ts';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { createReadModelSyncHandler } from './read-model-sync.ts';
import { startIndexerWorkers } from './workers.ts';

describe('read model: no committed change is ever lost', function () {
  this.timeout(120_000);

  describe('a change that commits while the worker syncs the same professional', () => {
    let system: TestSystem;
    before(async () => {
      // workers off: the test plays the worker, step by step
      system = await startTestSystem({ command: true, indexer: true, indexerWorkers: false });
    });
    after(() => system.close());

    const indexed = async (id: string) => {
      const res = await system.indexer!.deps.es.get<ProfessionalDocument>({ index: system.config.elasticsearch.alias, id }, { ignore: [404] });
      return res.found ? res._source : undefined;
    };

    it('is synced after that sync, even though it was enqueued while the earlier job was still queued', async () => {
      const { deps } = system.indexer!;
      const pro = await givenProfessional(system, { rate_per_minute: 150 });

      // A writer changes the professional and enqueues its sync, but has not committed yet...
      const writer = await deps.pool.connect();
      let synced: ProfessionalDocument | undefined;
      try {
        await writer.query('BEGIN');
        await writer.query(`UPDATE professionals SET rate_per_minute = 999 WHERE id = $1`, [pro.id]);
        await markSearchStale(deps.boss, writer, pro.id);

        // ...while the worker takes the earlier jobs and reads its snapshot, which cannot see the change.
        const jobs = await deps.boss.fetch<ReadModelSyncJob>(QUEUES.readModelSync, { batchSize: 50 });
        expect(jobs.map((j) => j.data.professional_id)).to.include(pro.id);
        const results = await createReadModelSyncHandler(deps)(jobs);
        expect(results.every((r) => r.status === 'completed')).to.equal(true);
        await deps.boss.complete(
          QUEUES.readModelSync,
          jobs.map((j) => j.id),
        );
        synced = await indexed(pro.id);
        expect(synced).to.include({ rate_per_minute: 150 });

        await writer.query('COMMIT');
      } finally {
        writer.release();
      }

      // The committed change has a job of its own, which the workers now sync.
      await startIndexerWorkers(deps);
      const doc = await eventually(async () => {
        const d = await indexed(pro.id);
        return d?.rate_per_minute === 999 ? d : undefined;
      });
      const { rows } = await deps.pool.query(`SELECT search_version FROM professionals WHERE id = $1`, [pro.id]);
      expect(doc.search_version).to.equal(rows[0].search_version);
      expect(doc.search_version).to.be.greaterThan(synced!.search_version);
    });
  });

  describe('a storm of concurrent random changes', () => {
    let system: TestSystem;
    before(async () => {
      system = await startTestSystem({ command: true, indexerWorkers: true, env: { SEARCH_CACHE_TTL_S: '0' } });
    });
    after(() => system.close());

    it('leaves the read model equal to PostgreSQL within 5 s of the last write (check-index finds no difference)', async () => {
      const app = system.command!.app;
      const admin = await system.token('admin', 'admin-1');
      const pros = await Promise.all(Array.from({ length: 4 }, () => givenProfessional(system, {}, { start: hoursFromNow(24), end: hoursFromNow(36) })));
      const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => system.token('client', `storm-client-${i}`)));
      let seed = 7;
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      const bookings: Array<{ id: string; client: string }> = [];
      const windows: Array<{ pro: string; id: string }> = [];
      const statuses: number[] = [];

      const operation = async (writer: number) => {
        const pro = pros[random(pros.length)]!;
        const client = clients[writer % clients.length]!;
        switch (random(6)) {
          case 0:
            return request(app)
              .patch(`/professionals/${pro.id}`)
              .set('Authorization', `Bearer ${admin}`)
              .send({ rate_per_minute: 100 + random(400) });
          case 1:
            return request(app)
              .patch(`/professionals/${pro.id}`)
              .set('Authorization', `Bearer ${admin}`)
              .send({ active: random(4) > 0 });
          case 2: {
            const start = hoursFromNow(40 + random(200));
            const res = await request(app)
              .post(`/professionals/${pro.id}/availabilities`)
              .set('Authorization', `Bearer ${admin}`)
              .send({ start_time: start.toISOString(), end_time: addMinutes(start, 60 * (1 + random(3))).toISOString() });
            if (res.status === 201) windows.push({ pro: pro.id, id: res.body.id });
            return res;
          }
          case 3: {
            const w = windows.splice(random(windows.length + 1), 1)[0];
            if (!w) return request(app).get('/health/live');
            return request(app).delete(`/professionals/${w.pro}/availabilities/${w.id}`).set('Authorization', `Bearer ${admin}`);
          }
          case 4: {
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
        Array.from({ length: 12 }, async (_, writer) => {
          for (let i = 0; i < 12; i++) statuses.push((await operation(writer)).status);
        }),
      );
      expect(
        statuses.filter((s) => s >= 500),
        'server errors',
      ).to.deep.equal([]);
      expect(statuses.filter((s) => s < 300).length, 'successful writes').to.be.greaterThan(60);

      const { deps } = system.indexer!;
      const differences = await checkIndex(
        { pool: deps.pool, es: deps.es, alias: system.config.elasticsearch.alias, horizonDays: system.config.search.horizonDays },
        { settleMs: 5000 },
      );
      expect(differences).to.deep.equal([]);
    });
  });
});
