import { testPool } from './testing/services.ts';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { startTestSystem, type TestSystem } from './testing/system.ts';
import { addMinutes, book, eventually, hoursFromNow, uniqueId } from './testing/builders.ts';
import { createLogger } from '../shared/logger.ts';
import type { ProfessionalDocument } from '../shared/search/professional-document.ts';
import { aliasIndices } from '../shared/search/professionals-index.ts';
import { writeDocuments } from '../indexer/read-model/index-professionals.ts';
import { reindex, type ReindexDeps } from './reindex.ts';
import { checkIndex, describeDifference, type CheckIndexDeps } from './check-index.ts';

const run = promisify(execFile);

describe('reindex and check-index', function () {
  this.timeout(90_000);
  let system: TestSystem;
  let db: pg.Pool;
  let deps: ReindexDeps & CheckIndexDeps;
  const window = { start: hoursFromNow(48), end: hoursFromNow(58) };

  before(async () => {
    system = await startTestSystem({ command: true, indexerWorkers: true });
    db = testPool(system.databaseUrl, 2);
    const { pool, es } = system.indexer!.deps;
    deps = {
      pool,
      es,
      alias: system.config.elasticsearch.alias,
      horizonDays: system.config.search.horizonDays,
      logger: createLogger({ name: 'test', level: 'silent' }),
    };
    // Written straight to PostgreSQL: nothing is indexed until a reindex.
    await db.query(
      `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes)
       SELECT 'r' || lpad(g::text, 4, '0'), 'Pro ' || g, 'plumber', 100 + g, 'GHS', 5.6 + g * 0.0001, -0.18, ARRAY['car']
         FROM generate_series(1, 2000) g`,
    );
    await db.query(`INSERT INTO availabilities (professional_id, start_time, end_time) SELECT id, $1, $2 FROM professionals`, [window.start, window.end]);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const env = () => ({ ...process.env, ...system.env, LOG_LEVEL: 'silent' });
  const cli = (script: string) =>
    run(process.execPath, ['--import', 'tsx', script], { env: env() }).catch((err: { code: number; stdout: string; stderr: string }) => err);

  it('loses no booking committed while it runs: check-index then finds no difference', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const pro = `r${String(1 + ((i * 37) % 2000)).padStart(4, '0')}`;
        const client = await system.token('client', uniqueId('c'));
        const res = await book(system.command!.app, client, {
          professional_id: pro,
          start_time: addMinutes(window.start, 30 * (i % 20)).toISOString(),
          duration_minutes: 30,
        });
        if (res.status === 201) written++;
      }
    })();
    try {
      await eventually(async () => written >= 3);
      // Small pages stretch the snapshot read over a second or two, so that bookings commit during it and
      // their syncs land in the old index before the swap: exactly what the catch-up must not lose.
      const first = await reindex(deps, { pageSize: 5 });
      const second = await reindex(deps, { pageSize: 5 });
      expect(first.loaded).to.equal(2000);
      expect(first.caughtUp, 'bookings committed during the reindex were caught up').to.be.greaterThan(0);
      expect(second.caughtUp, 'bookings committed during the reindex were caught up').to.be.greaterThan(0);
      expect(second.previous).to.deep.equal([first.index]);
      expect(await aliasIndices(deps.es, deps.alias)).to.deep.equal([second.index]);
      expect(await deps.es.indices.exists({ index: first.index }), 'the old index is dropped').to.equal(false);
      await eventually(async () => written >= 10, 20_000);
    } finally {
      writing = false;
      await writer;
    }
    const differences = await checkIndex(deps, { settleMs: 15_000 });
    expect(differences.map(describeDifference)).to.deep.equal([]);
    const live = await db.query(`SELECT count(*)::int AS n FROM bookings WHERE status = 'pending'`);
    expect(live.rows[0].n).to.equal(written);
  });

  it('reports every kind of difference, and the CLI exits 1 listing them', async () => {
    const reindexed = await cli('scripts/reindex.ts');
    expect(reindexed.stderr).to.equal('');
    expect(reindexed.stdout).to.match(/Reindexed 2000 professionals into /);
    const clean = await cli('scripts/check-index.ts');
    expect(clean.stdout).to.include('No differences');

    const { es, alias } = deps;
    await es.delete({ index: alias, id: 'r0001', refresh: true });
    const indexed = async (id: string) => (await es.get<ProfessionalDocument>({ index: alias, id }))._source!;
    const r2 = await indexed('r0002');
    const r3Version = (await indexed('r0003')).search_version;
    await writeDocuments(
      deps,
      [
        { ...r2, id: 'ghost' },
        { ...r2, rate_per_minute: 1 },
      ],
      [],
      true,
    );
    await db.query(`UPDATE professionals SET search_version = search_version + 1 WHERE id = 'r0003'`);

    const differences = await checkIndex(deps, { settleMs: 0 });
    expect(differences).to.have.deep.members([
      { kind: 'missing', id: 'r0001' },
      { kind: 'mismatch', id: 'r0002', fields: [{ field: 'rate_per_minute', indexed: 1, expected: r2.rate_per_minute }] },
      { kind: 'stale', id: 'r0003', indexedVersion: r3Version, currentVersion: r3Version + 1 },
      { kind: 'extra', id: 'ghost' },
    ]);

    const failed = (await cli('scripts/check-index.ts')) as { code?: number; stdout: string };
    expect(failed.code).to.equal(1);
    expect(failed.stdout)
      .to.include('missing   r0001')
      .and.include('extra     ghost')
      .and.include('stale     r0003')
      .and.include('mismatch  r0002: rate_per_minute');
  });
});
