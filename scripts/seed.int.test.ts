import { expect } from 'chai';
import { startTestSystem, type TestSystem } from './testing/system.ts';
import { createPool } from '../shared/db/pool.ts';
import { createBoss, startBoss } from '../shared/queue.ts';
import { createLogger } from '../shared/logger.ts';
import { accraProfessionals, seed } from './seed.ts';

describe('npm run seed', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({});
  });
  after(() => system.close());

  it('seeds pro1 with the seed brief’s window and professionals around Accra, and changes nothing when run again', async () => {
    const pool = createPool(system.config.database, 'seed-test');
    const boss = createBoss(system.config, createLogger({ name: 't', level: 'silent' }));
    await startBoss(boss);
    try {
      const today = new Date('2030-03-10T12:00:00Z');
      const first = await seed(pool, boss, { count: 40, today });
      expect(first.professionals).to.equal(41);
      const snapshot = async () =>
        (
          await pool.query(`SELECT (SELECT count(*) FROM professionals)::int AS p, (SELECT count(*) FROM availabilities)::int AS a,
                                  (SELECT sum(search_version) FROM professionals)::int AS v`)
        ).rows[0];
      const before = await snapshot();
      const second = await seed(pool, boss, { count: 40, today });
      expect(second).to.deep.equal({ professionals: 0, windows: 0, schedules: 0 });
      expect(await snapshot()).to.deep.equal(before);

      const pro1 = await pool.query(`SELECT start_time, end_time FROM availabilities WHERE professional_id = 'pro1' ORDER BY start_time LIMIT 1`);
      expect(pro1.rows[0].start_time.toISOString()).to.equal('2025-08-21T10:00:00.000Z');
      expect(pro1.rows[0].end_time.toISOString()).to.equal('2025-08-21T12:00:00.000Z');
      expect(first.schedules).to.equal(40);
      expect((await pool.query(`SELECT count(*)::int AS n FROM schedules WHERE professional_id = 'pro1'`)).rows[0].n).to.equal(0);
    } finally {
      await boss.stop({ graceful: false });
      await pool.end();
    }
  });

  it('generates the same varied professionals on every machine', () => {
    const a = accraProfessionals(300);
    const b = accraProfessionals(300);
    expect(a).to.deep.equal(b);
    expect(new Set(a.map((p) => p.category)).size).to.be.at.least(6);
    expect(new Set(a.map((p) => p.ratePerMinute)).size).to.be.at.least(10);
    for (const p of a) {
      const km = Math.hypot((p.lat - 5.6037) * 111.32, (p.long + 0.187) * 111.32 * Math.cos((5.6037 * Math.PI) / 180));
      expect(km).to.be.below(26);
      expect(p.travelModes).to.not.be.empty;
      expect(p.timeZone).to.equal('Africa/Accra');
      expect(p.schedule!.weekly.filter((w) => w.day === 'monday')).to.not.be.empty;
    }
    const schedules = a.map((p) => p.schedule!);
    expect(schedules.filter((s) => s.buffer_after_minutes > 0 || s.buffer_before_minutes > 0).length, 'some with buffers').to.be.greaterThan(30);
    expect(schedules.filter((s) => s.minimum_notice_minutes > 0).length, 'some with notice').to.be.greaterThan(30);
    expect(schedules.filter((s) => s.buffer_after_minutes === 0 && s.buffer_before_minutes === 0).length, 'some without').to.be.greaterThan(30);
  });
});
