/**
 * The bench's deterministic dataset: professionals spread over several West and East African cities
 * (seeded PRNG, so every run and machine gets the same rows), each with weekly hours in its own time zone
 * (one of a few common patterns, lunch breaks and Saturdays included) and booking rules, plus one
 * 08:00–17:00 UTC window a day for 14 days (where the bench books), loaded with multi-row INSERTs from
 * arrays (unnest) and indexed by the real reindex.
 */
import { TRAVEL_MODES, type Config } from '../../shared/config.ts';
import { createPool, withTransaction, type Pool } from '../../shared/db/pool.ts';
import { createElasticsearchClient } from '../../shared/elasticsearch.ts';
import { createLogger } from '../../shared/logger.ts';
import { reindex } from '../reindex.ts';
import { prng } from '../seed.ts';

export const CITIES = [
  { name: 'Accra', lat: 5.6037, long: -0.187, timeZone: 'Africa/Accra', currency: 'GHS' },
  { name: 'Kumasi', lat: 6.6885, long: -1.6244, timeZone: 'Africa/Accra', currency: 'GHS' },
  { name: 'Lagos', lat: 6.5244, long: 3.3792, timeZone: 'Africa/Lagos', currency: 'NGN' },
  { name: 'Abidjan', lat: 5.36, long: -4.0083, timeZone: 'Africa/Abidjan', currency: 'XOF' },
  { name: 'Dakar', lat: 14.7167, long: -17.4677, timeZone: 'Africa/Dakar', currency: 'XOF' },
  { name: 'Nairobi', lat: -1.2921, long: 36.8219, timeZone: 'Africa/Nairobi', currency: 'KES' },
] as const;

const CATEGORIES = ['plumber', 'electrician', 'tutor', 'cleaner', 'carpenter', 'painter', 'mechanic', 'hairdresser'];
const CITY_RADIUS_KM = 20;
const DAYS = 14;
const WINDOW_HOURS = { from: 8, to: 17 } as const;
const BATCH = 5000;

/** Weekly hours people keep, in local time: office hours with lunch, shops open on Saturdays, evening tutors, part-time. */
const WEEKLY_PATTERNS: ReadonlyArray<{ share: number; weekly: Array<{ day: string; start: string; end: string }> }> = [
  {
    share: 0.55,
    weekly: days(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      [
        ['08:00', '12:00'],
        ['13:00', '17:00'],
      ],
    ),
  },
  { share: 0.2, weekly: days(['tuesday', 'wednesday', 'thursday', 'friday', 'saturday'], [['10:00', '19:00']]) },
  { share: 0.15, weekly: [...days(['monday', 'tuesday', 'wednesday', 'thursday'], [['17:00', '21:00']]), ...days(['saturday'], [['09:00', '14:00']])] },
  { share: 0.1, weekly: days(['monday', 'wednesday', 'friday'], [['07:00', '15:00']]) },
];
// No buffers and a notice of at most 2 h: the bench books back-to-back hours from tomorrow on.
const NOTICE_MINUTES = [0, 30, 60, 120];
const HORIZON_DAYS = [30, 60, 90, 180];
const STEP_MINUTES = [15, 30, 60];

function days(names: string[], intervals: Array<[string, string]>) {
  return names.flatMap((day) => intervals.map(([start, end]) => ({ day, start, end })));
}
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Dataset {
  professionals: number;
  availabilities: number;
  cities: string[];
  /** UTC midnight of the first day with windows (tomorrow), epoch ms */
  firstDay: number;
  load_ms: number;
  reindex_ms: number;
  indexed_documents: number;
}

export interface Slot {
  professional_id: string;
  start_time: string;
}

export const professionalId = (i: number) => `bench-${String(i).padStart(6, '0')}`;

/**
 * Distinct one-hour slots on one day (0 = tomorrow), a different professional for each consecutive call.
 * Each bench phase books on a day of its own, so phases never compete for a slot.
 */
export function slotSequence(ds: Pick<Dataset, 'professionals' | 'firstDay'>, day: number): () => Slot {
  let k = 0;
  const hours = WINDOW_HOURS.to - WINDOW_HOURS.from;
  return () => {
    const pro = k % ds.professionals;
    const hour = WINDOW_HOURS.from + (Math.floor(k / ds.professionals) % hours);
    k++;
    return { professional_id: professionalId(pro), start_time: new Date(ds.firstDay + day * DAY_MS + hour * HOUR_MS).toISOString() };
  };
}

export async function buildDataset(config: Config, count: number, log: (msg: string) => void): Promise<Dataset> {
  const today = new Date();
  const firstDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) + DAY_MS;
  const pool = createPool({ ...config.database, poolMax: 2 }, 'bench-load');
  const es = createElasticsearchClient(config.elasticsearch);
  try {
    const loadStarted = Date.now();
    const random = prng(20251124);
    const batches: Array<() => Promise<void>> = [];
    for (let start = 0; start < count; start += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, count - start) }, (_, j) => professionalRow(start + j, random));
      batches.push(() => insertBatch(pool, rows, firstDay));
    }
    // two at a time: the machine has two cores and PostgreSQL spends them on the indexes
    for (let i = 0; i < batches.length; i += 2) await Promise.all(batches.slice(i, i + 2).map((run) => run()));
    await pool.query('ANALYZE professionals, availabilities');
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM availabilities');
    const loadMs = Date.now() - loadStarted;
    log(`loaded ${count} professionals and ${rows[0]!.n} availability windows in ${(loadMs / 1000).toFixed(1)} s`);

    const reindexStarted = Date.now();
    const result = await reindex(
      { pool, es, alias: config.elasticsearch.alias, horizonDays: config.search.horizonDays, logger: createLogger({ name: 'bench-reindex', level: 'warn' }) },
      { progress: Boolean(process.stderr.isTTY) },
    );
    const reindexMs = Date.now() - reindexStarted;
    const indexed = (await es.count({ index: config.elasticsearch.alias })).count;
    log(`reindexed ${result.loaded} professionals into ${result.index} in ${(reindexMs / 1000).toFixed(1)} s (${indexed} documents searchable)`);
    return {
      professionals: count,
      availabilities: rows[0]!.n,
      cities: CITIES.map((c) => c.name),
      firstDay,
      load_ms: loadMs,
      reindex_ms: reindexMs,
      indexed_documents: indexed,
    };
  } finally {
    await pool.end();
    await es.close();
  }
}

interface ProfessionalRow {
  id: string;
  name: string;
  category: string;
  rate: number;
  currency: string;
  lat: number;
  long: number;
  modes: string;
  timeZone: string;
  weekly: string;
  notice: number;
  horizon: number;
  step: number;
}

function professionalRow(i: number, random: () => number): ProfessionalRow {
  const city = CITIES[i % CITIES.length]!;
  // uniform over a disc around the city centre
  const distanceKm = CITY_RADIUS_KM * Math.sqrt(random());
  const bearing = 2 * Math.PI * random();
  const modes = TRAVEL_MODES.filter(() => random() < 0.45);
  let pick = random();
  const pattern = WEEKLY_PATTERNS.find((p) => (pick -= p.share) < 0) ?? WEEKLY_PATTERNS[0]!;
  const choose = <T>(options: readonly T[]) => options[Math.floor(random() * options.length)]!;
  return {
    id: professionalId(i),
    name: `Bench Professional ${i}`,
    category: CATEGORIES[Math.floor(random() * CATEGORIES.length)]!,
    rate: 50 + Math.floor(random() * 12) * 50,
    currency: city.currency,
    lat: round6(city.lat + (distanceKm / 111.32) * Math.cos(bearing)),
    long: round6(city.long + (distanceKm / (111.32 * Math.cos((city.lat * Math.PI) / 180))) * Math.sin(bearing)),
    // a Postgres array literal: unnest cannot take a text[][] of ragged rows
    modes: `{${(modes.length > 0 ? modes : ['car']).join(',')}}`,
    timeZone: city.timeZone,
    weekly: JSON.stringify(pattern.weekly),
    notice: choose(NOTICE_MINUTES),
    horizon: choose(HORIZON_DAYS),
    step: choose(STEP_MINUTES),
  };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** One batch of professionals, their schedules and daily windows, in one transaction and three statements. */
function insertBatch(pool: Pool, rows: ProfessionalRow[], firstDay: number): Promise<void> {
  return withTransaction(pool, async (tx) => {
    await tx.query(
      `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes, time_zone)
       SELECT id, name, category, rate, currency, lat, long, modes::text[], tz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::float8[], $8::text[], $9::text[])
           AS t(id, name, category, rate, currency, lat, long, modes, tz)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.name),
        rows.map((r) => r.category),
        rows.map((r) => r.rate),
        rows.map((r) => r.currency),
        rows.map((r) => r.lat),
        rows.map((r) => r.long),
        rows.map((r) => r.modes),
        rows.map((r) => r.timeZone),
      ],
    );
    await tx.query(
      `INSERT INTO schedules (professional_id, weekly, minimum_notice_minutes, booking_horizon_days, slot_step_minutes)
       SELECT id, weekly::jsonb, notice, horizon, step FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[]) AS t(id, weekly, notice, horizon, step)`,
      [rows.map((r) => r.id), rows.map((r) => r.weekly), rows.map((r) => r.notice), rows.map((r) => r.horizon), rows.map((r) => r.step)],
    );
    // hours, not days, so that the session's time zone (DST) cannot move a window
    await tx.query(
      `INSERT INTO availabilities (professional_id, start_time, end_time)
       SELECT p.id, $2::timestamptz + make_interval(hours => d * 24 + $3), $2::timestamptz + make_interval(hours => d * 24 + $4)
         FROM unnest($1::text[]) AS p(id) CROSS JOIN generate_series(0, $5 - 1) AS d`,
      [rows.map((r) => r.id), new Date(firstDay), WINDOW_HOURS.from, WINDOW_HOURS.to, DAYS],
    );
  });
}
