import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { eventually } from '../../scripts/testing/builders.ts';
import { type ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { FREE_RANGES_MARGIN_DAYS } from '../read-model/build-document.ts';
import { professionalsWithScheduleDue } from './free-ranges-refresh.repository.ts';
import { indexProfessionals } from '../read-model/index-professionals.ts';
import { refreshFreeRanges } from './free-ranges-refresh.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('free ranges refresh (indexer)', function () {
  this.timeout(30_000);
  let system: TestSystem;
  let db: pg.Pool;
  let now: number;
  let horizonEnd: number;

  before(async () => {
    system = await startTestSystem({ indexerWorkers: true });
    db = testPool(system.databaseUrl, 2);
    now = Date.now();
    horizonEnd = now + (system.config.search.horizonDays + FREE_RANGES_MARGIN_DAYS) * DAY;
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  async function professional(id: string, windows: Array<[number, number]>, bookings: Array<[number, number]> = []) {
    await db.query(
      `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes)
       VALUES ($1, 'Ama', 'plumber', 100, 'GHS', 5.6, -0.18, ARRAY['car'])`,
      [id],
    );
    for (const [start, end] of windows) {
      await db.query(`INSERT INTO availabilities (professional_id, start_time, end_time) VALUES ($1, $2, $3)`, [id, new Date(start), new Date(end)]);
    }
    for (const [start, end] of bookings) {
      await db.query(
        `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, status, price_amount, currency, hold_expires_at, idempotency_key)
         VALUES ($1, $2, 'c', $3, $4, 'confirmed', 100, 'GHS', now(), $5)`,
        [randomUUID(), id, new Date(start), new Date(end), randomUUID()],
      );
    }
  }
  const doc = async (id: string) => (await system.indexer!.deps.es.get<ProfessionalDocument>({ index: system.config.elasticsearch.alias, id }))._source!;

  it('re-syncs professionals whose free range ended and those whose availability the horizon end uncovered', async () => {
    await professional('ended', [[now - 2 * HOUR, now - 5 * MINUTE]]);
    await professional('booked', [[now - HOUR, now + 2 * HOUR]], [[now - 3 * MINUTE, now + HOUR]]);
    await professional('far', [[horizonEnd - 30 * MINUTE, horizonEnd + 2 * HOUR]]);
    await professional('untouched', [[now + 5 * HOUR, now + 6 * HOUR]]);
    // indexed three hours ago, when each of them looked different
    const { pool, es } = system.indexer!.deps;
    const sync = { pool, es, alias: system.config.elasticsearch.alias, horizonDays: system.config.search.horizonDays };
    await indexProfessionals(sync, ['ended', 'booked', 'far', 'untouched'], { refresh: true, now: new Date(now - 3 * HOUR) });
    expect((await doc('ended')).next_free_start).to.equal(new Date(now - 2 * HOUR).toISOString());
    expect((await doc('far')).free_ranges).to.deep.equal([]);
    const untouchedBefore = await doc('untouched');

    expect(await refreshFreeRanges(system.indexer!.deps, 'ended', new Date(now))).to.equal(2);
    expect(await refreshFreeRanges(system.indexer!.deps, 'horizon', new Date(now))).to.equal(1);

    await eventually(async () => (await doc('ended')).next_free_start === null);
    await eventually(async () => (await doc('booked')).next_free_start === new Date(now + HOUR).toISOString());
    await eventually(async () => (await doc('far')).free_ranges.length === 1);
    expect((await doc('far')).free_ranges[0]!.gte).to.equal(new Date(horizonEnd - 30 * MINUTE).toISOString());
    expect(await doc('untouched'), 'no reason to re-sync').to.deep.equal(untouchedBefore);
  });

  it('re-syncs each professional with weekly hours once a day, spread over the hours, and no one else', async () => {
    const scheduled = Array.from({ length: 30 }, (_, i) => `weekly_${i}`);
    for (const id of [...scheduled, 'no_schedule', 'empty_schedule']) await professional(id, []);
    for (const id of scheduled) {
      await db.query(`INSERT INTO schedules (professional_id, weekly) VALUES ($1, $2::jsonb)`, [
        id,
        JSON.stringify([{ day: 'monday', start: '09:00', end: '17:00' }]),
      ]);
    }
    await db.query(`INSERT INTO schedules (professional_id, weekly) VALUES ('empty_schedule', '[]'::jsonb)`);
    const seen: string[] = [];
    const busyHours = new Set<number>();
    for (let hour = 0; hour < 24; hour++) {
      const due = await professionalsWithScheduleDue(db, [hour]);
      seen.push(...due);
      if (due.length > 0) busyHours.add(hour);
    }
    expect([...seen].sort()).to.deep.equal([...scheduled].sort());
    expect(busyHours.size, 'spread over the day, not all at one hour').to.be.greaterThan(5);
  });

  it('re-syncs a professional with weekly hours once its indexed first range has ended (found in the index)', async () => {
    const hour = new Date(now - 2 * HOUR).getUTCHours();
    const clock = (h: number) => `${String(h).padStart(2, '0')}:00`;
    await db.query(`INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes, time_zone)
                    VALUES ('weekly', 'Ama', 'plumber', 100, 'GHS', 5.6, -0.18, ARRAY['car'], 'UTC')`);
    const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    await db.query(`INSERT INTO schedules (professional_id, weekly) VALUES ('weekly', $1::jsonb)`, [
      JSON.stringify(days.map((day) => ({ day, start: clock(hour), end: clock(hour + 1) }))),
    ]);
    const { pool, es } = system.indexer!.deps;
    const sync = { pool, es, alias: system.config.elasticsearch.alias, horizonDays: system.config.search.horizonDays };
    await indexProfessionals(sync, ['weekly'], { refresh: true, now: new Date(now - 3 * HOUR) });
    const before = await doc('weekly');
    expect(Date.parse(before.next_free_end!)).to.be.at.most(now - HOUR);

    expect(await refreshFreeRanges(system.indexer!.deps, 'ended', new Date(now))).to.be.at.least(1);
    await eventually(async () => Date.parse((await doc('weekly')).next_free_start!) > now);
    expect(Date.parse((await doc('weekly')).next_free_start!) - Date.parse(before.next_free_start!)).to.equal(DAY);
  });
});
