import { withTransaction, createPool, type PoolClient } from '../shared/db/pool.ts';
import { loadConfig, TRAVEL_MODES, type Config } from '../shared/config.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { createBoss, enqueueReadModelSync, startBoss, type PgBoss } from '../shared/queue.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';
import type { ProfessionalProfile } from '../shared/professional.ts';

/** Deterministic PRNG (mulberry32), so every machine seeds the same professionals. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedProfessional extends Omit<ProfessionalProfile, 'active'> {
  windows: Array<{ start: Date; end: Date }>;
  /** Weekly hours and rules in the professional's time zone (DESIGN 3.2); absent = defaults. */
  schedule?: SeedSchedule;
}

export interface SeedSchedule {
  weekly: Array<{ day: string; start: string; end: string }>;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  minimum_notice_minutes: number;
  booking_horizon_days: number;
  slot_step_minutes: number;
}

const ACCRA = { lat: 5.6037, long: -0.187 };
const CATEGORIES = ['plumber', 'electrician', 'tutor', 'cleaner', 'carpenter', 'painter', 'mechanic', 'hairdresser'];
const FIRST = ['Kwame', 'Ama', 'Kofi', 'Akosua', 'Yaw', 'Abena', 'Kojo', 'Efua', 'Kwesi', 'Adwoa', 'Nana', 'Esi'];
const LAST = ['Mensah', 'Boateng', 'Owusu', 'Asante', 'Osei', 'Addo', 'Appiah', 'Ofori', 'Darko', 'Quaye'];

/** The seed's own professional, with its window of 2025-08-21 10:00–12:00 UTC, plus daily windows ahead. */
export function pro1(today: Date): SeedProfessional {
  return {
    id: 'pro1',
    name: 'Kwame Mensah',
    category: 'plumber',
    ratePerMinute: 250,
    currency: 'GHS',
    lat: ACCRA.lat,
    long: ACCRA.long,
    travelModes: ['car', 'motorbike', 'walking'],
    timeZone: 'Africa/Accra',
    windows: [{ start: new Date('2025-08-21T10:00:00Z'), end: new Date('2025-08-21T12:00:00Z') }, ...dailyWindows(today, 14, 8, 17)],
  };
}

/** A few hundred professionals scattered within ~25 km of central Accra, with weekly hours in Africa/Accra. */
export function accraProfessionals(count: number): SeedProfessional[] {
  const random = prng(20250821);
  return Array.from({ length: count }, (_, i) => {
    const distanceKm = 25 * Math.sqrt(random());
    const bearing = 2 * Math.PI * random();
    const category = CATEGORIES[Math.floor(random() * CATEGORIES.length)]!;
    const modes = TRAVEL_MODES.filter(() => random() < 0.45);
    const startHour = 7 + Math.floor(random() * 4);
    return {
      id: `accra-${String(i + 1).padStart(3, '0')}`,
      name: `${FIRST[Math.floor(random() * FIRST.length)]} ${LAST[Math.floor(random() * LAST.length)]}`,
      category,
      ratePerMinute: 50 + Math.floor(random() * 16) * 50,
      currency: 'GHS',
      lat: round6(ACCRA.lat + (distanceKm / 111.32) * Math.cos(bearing)),
      long: round6(ACCRA.long + (distanceKm / (111.32 * Math.cos((ACCRA.lat * Math.PI) / 180))) * Math.sin(bearing)),
      travelModes: modes.length > 0 ? modes : ['car'],
      timeZone: 'Africa/Accra',
      windows: [],
      schedule: weeklySchedule(random, startHour),
    };
  });
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const clock = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** Working hours as tradespeople keep them in Accra: weekdays, often a lunch break, a short Saturday. */
function weeklySchedule(random: () => number, startHour: number): SeedSchedule {
  const endHour = startHour + 7 + Math.floor(random() * 3);
  const lunch = random() < 0.5;
  const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
  const weekly = weekdays.flatMap((day) =>
    lunch
      ? [
          { day, start: clock(startHour), end: '12:00' },
          { day, start: '13:00', end: clock(endHour) },
        ]
      : [{ day, start: clock(startHour), end: clock(endHour) }],
  );
  if (random() < 0.6) weekly.push({ day: 'saturday', start: clock(startHour + 1), end: clock(startHour + 5) });
  return {
    weekly,
    buffer_before_minutes: pick(random, [0, 0, 10, 15]),
    buffer_after_minutes: pick(random, [0, 15, 30]),
    minimum_notice_minutes: pick(random, [0, 60, 120, 1440]),
    booking_horizon_days: pick(random, [30, 60, 90, 365]),
    slot_step_minutes: pick(random, [15, 30, 30, 60]),
  };
}

function dailyWindows(today: Date, days: number, fromHourUtc: number, toHourUtc: number): Array<{ start: Date; end: Date }> {
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: days }, (_, d) => ({
    start: new Date(midnight + (d + 1) * 86_400_000 + fromHourUtc * 3_600_000),
    end: new Date(midnight + (d + 1) * 86_400_000 + toHourUtc * 3_600_000),
  }));
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Inserts what is missing and nothing else: running it twice changes nothing. */
export async function seed(
  pool: ReturnType<typeof createPool>,
  boss: PgBoss,
  opts: { count?: number; today?: Date } = {},
): Promise<{ professionals: number; windows: number; schedules: number }> {
  const today = opts.today ?? new Date();
  const all = [pro1(today), ...accraProfessionals(opts.count ?? 300)];
  let professionals = 0;
  let windows = 0;
  let schedules = 0;
  for (let i = 0; i < all.length; i += 50) {
    await withTransaction(pool, async (tx) => {
      for (const p of all.slice(i, i + 50)) {
        const added = await seedOne(tx, p);
        professionals += added.professional ? 1 : 0;
        windows += added.windows;
        schedules += added.schedule ? 1 : 0;
        if (added.professional || added.windows > 0 || added.schedule) {
          await tx.query(`UPDATE professionals SET search_version = search_version + 1 WHERE id = $1`, [p.id]);
          await enqueueReadModelSync(boss, tx, p.id);
        }
      }
    });
  }
  return { professionals, windows, schedules };
}

async function seedOne(tx: PoolClient, p: SeedProfessional): Promise<{ professional: boolean; windows: number; schedule: boolean }> {
  const inserted = await tx.query(
    `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes, time_zone)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
    [p.id, p.name, p.category, p.ratePerMinute, p.currency, p.lat, p.long, p.travelModes, p.timeZone],
  );
  let windows = 0;
  for (const w of p.windows) {
    const added = await tx.query(
      `INSERT INTO availabilities (professional_id, start_time, end_time)
       SELECT $1, $2, $3 WHERE NOT EXISTS (
         SELECT 1 FROM availabilities WHERE professional_id = $1 AND tstzrange(start_time, end_time, '[)') && tstzrange($2, $3, '[)'))`,
      [p.id, w.start, w.end],
    );
    windows += added.rowCount ?? 0;
  }
  const s = p.schedule;
  const schedule = s
    ? await tx.query(
        `INSERT INTO schedules (professional_id, weekly, buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes,
                                booking_horizon_days, slot_step_minutes)
         VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7) ON CONFLICT (professional_id) DO NOTHING`,
        [
          p.id,
          JSON.stringify(s.weekly),
          s.buffer_before_minutes,
          s.buffer_after_minutes,
          s.minimum_notice_minutes,
          s.booking_horizon_days,
          s.slot_step_minutes,
        ],
      )
    : undefined;
  return { professional: inserted.rowCount === 1, windows, schedule: schedule?.rowCount === 1 };
}

export async function runSeed(config: Config, logger: Logger): Promise<void> {
  const pool = createPool(config.database, 'seed');
  const boss = createBoss(config, logger);
  try {
    await startBoss(boss);
    const result = await seed(pool, boss);
    logger.info(result, result.professionals + result.windows + result.schedules > 0 ? 'demo data seeded' : 'demo data already present');
  } finally {
    await boss.stop({ graceful: false });
    await pool.end();
  }
}

if (isEntryPoint(import.meta.url)) {
  runProcess('seed', async () => {
    const config = loadConfig(process.env, 'script');
    await runSeed(config, createLogger({ name: 'seed', level: config.logLevel }));
  });
}
