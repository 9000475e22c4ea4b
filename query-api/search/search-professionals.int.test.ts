import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { TRAVEL_MODES, type TravelMode } from '../../shared/config.ts';
import { createLogger } from '../../shared/logger.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { Temporal } from 'temporal-polyfill';
import { reindex } from '../../scripts/reindex.ts';
import { book, uniqueId } from '../../scripts/testing/builders.ts';

// Seeded, so a failure replays exactly.
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

// Elasticsearch stores geo_points on a 32-bit grid (Lucene GeoEncodingUtils) and measures distances from the
// grid point. Professionals sit in the middle of a grid cell; the oracle measures from the grid point.
const LAT_DECODE = 1 / (2 ** 32 / 180);
const LON_DECODE = 1 / (2 ** 32 / 360);
const EARTH_MEAN_RADIUS_M = 6_371_008.7714; // the radius of Elasticsearch's arc distance

function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_MEAN_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

interface Span {
  start: number;
  end: number;
}
interface Pro {
  id: string;
  name: string;
  category: string;
  rate: number;
  currency: string;
  lat: number;
  long: number;
  gridLat: number;
  gridLong: number;
  modes: TravelMode[];
  active: boolean;
  windows: Span[];
  live: Span[];
}

const HOUR = 3_600_000;
const MINUTE = 60_000;
const CATEGORIES = ['plumber', 'electrician', 'tutor', 'cleaner'];
const RATES = [100, 150, 200, 250, 300];
const CENTER = { lat: 5.6037, long: -0.187 };
const SPEEDS: Record<TravelMode, number> = { car: 40, motorbike: 35, bicycle: 15, walking: 5, transit: 25 };

function generateProfessionals(
  rand: ReturnType<typeof prng>,
  base: number,
  count: number,
): { pros: Pro[]; bookings: Array<Span & { pro: string; status: string }> } {
  const pros: Pro[] = [];
  const bookings: Array<Span & { pro: string; status: string }> = [];
  for (let i = 0; i < count; i++) {
    const latCell = Math.round((CENTER.lat + (rand.next() - 0.5) * 0.16) / LAT_DECODE);
    const lonCell = Math.round((CENTER.long + (rand.next() - 0.5) * 0.16) / LON_DECODE);
    const modes = TRAVEL_MODES.filter(() => rand.chance(0.4));
    const pro: Pro = {
      id: `p${String(i).padStart(3, '0')}_${rand.int(0, 9)}`,
      name: `Pro ${i}`,
      category: rand.pick(CATEGORIES),
      rate: rand.pick(RATES),
      currency: 'GHS',
      lat: (latCell + 0.5) * LAT_DECODE,
      long: (lonCell + 0.5) * LON_DECODE,
      gridLat: latCell * LAT_DECODE,
      gridLong: lonCell * LON_DECODE,
      modes: modes.length > 0 ? modes : [rand.pick(TRAVEL_MODES)],
      active: rand.chance(0.9),
      windows: [],
      live: [],
    };
    for (let day = 0; day < 3; day++) {
      if (!rand.chance(0.6)) continue;
      const start = base + day * 24 * HOUR + rand.int(0, 14) * HOUR;
      const window = { start, end: start + rand.int(1, 4) * HOUR };
      pro.windows.push(window);
      if (rand.chance(0.3)) pro.windows.push({ start: window.end, end: window.end + rand.int(1, 2) * HOUR }); // adjacent
      if (rand.chance(0.6)) {
        const bStart = window.start + rand.int(0, 8) * 15 * MINUTE;
        const bEnd = Math.min(window.end, bStart + rand.int(2, 8) * 15 * MINUTE);
        if (bStart < bEnd) {
          const status = rand.pick(['pending', 'confirmed', 'cancelled', 'expired']);
          bookings.push({ pro: pro.id, start: bStart, end: bEnd, status });
          if (status === 'pending' || status === 'confirmed') pro.live.push({ start: bStart, end: bEnd });
        }
      }
    }
    pros.push(pro);
  }
  return { pros, bookings };
}

/** Free for all of [start, end): covered by (possibly adjacent) windows, touched by no live booking, inside [now, horizon). */
function freeFor(pro: Pro, start: number, end: number, now: number, horizonEnd: number): boolean {
  if (start < now || end > horizonEnd) return false;
  if (pro.live.some((b) => b.start < end && start < b.end)) return false;
  let covered = start;
  for (const w of [...pro.windows].sort((a, b) => a.start - b.start)) if (w.start <= covered && w.end > covered) covered = w.end;
  return covered >= end;
}

/** The earliest instant from now on that is in a window and in no live booking. */
function nextFreeStart(pro: Pro, now: number, horizonEnd: number): number | undefined {
  const candidates = [...pro.windows.map((w) => w.start), ...pro.live.map((b) => b.end), now].filter((t) => t >= now && t < horizonEnd);
  return candidates.sort((a, b) => a - b).find((t) => freeFor(pro, t, t + 1, now, horizonEnd));
}

interface Query {
  lat: number;
  long: number;
  location_radius_km: number;
  category?: string;
  rate_per_minute?: number;
  travel_mode?: TravelMode;
  start_time?: string;
  duration_minutes?: number;
  sort: 'distance' | 'rate' | 'eta';
  limit: number;
}

function oracle(pros: Pro[], q: Query, now: number, horizonEnd: number): Array<{ pro: Pro; distanceM: number }> {
  const start = q.start_time ? Date.parse(q.start_time) : undefined;
  const rows = pros
    .filter((p) => p.active)
    .map((pro) => ({ pro, distanceM: haversineM(q.lat, q.long, pro.gridLat, pro.gridLong) }))
    .filter(({ pro, distanceM }) => {
      if (distanceM > q.location_radius_km * 1000) return false;
      if (q.category !== undefined && pro.category !== q.category) return false;
      if (q.rate_per_minute !== undefined && pro.rate > q.rate_per_minute) return false;
      if (q.travel_mode !== undefined && !pro.modes.includes(q.travel_mode)) return false;
      if (start !== undefined && !freeFor(pro, start, start + q.duration_minutes! * MINUTE, now, horizonEnd)) return false;
      return true;
    });
  const byId = (a: Pro, b: Pro) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return rows.sort((a, b) =>
    q.sort === 'rate' ? a.pro.rate - b.pro.rate || a.distanceM - b.distanceM || byId(a.pro, b.pro) : a.distanceM - b.distanceM || byId(a.pro, b.pro),
  );
}

describe('GET /search/professionals', function () {
  this.timeout(120_000);
  let system: TestSystem;
  let pros: Pro[];
  let base: number;
  const rand = prng(20251124);

  before(async () => {
    system = await startTestSystem({ query: true, indexer: true, indexerWorkers: false, env: { SEARCH_RATE_LIMIT_PER_MIN: '1000000' } });
    base = Math.ceil(Date.now() / HOUR) * HOUR + 24 * HOUR;
    const generated = generateProfessionals(rand, base, 150);
    pros = generated.pros;
    const db = testPool(system.databaseUrl, 2);
    try {
      for (const p of pros) {
        await db.query(
          `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes, active)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [p.id, p.name, p.category, p.rate, p.currency, p.lat, p.long, p.modes, p.active],
        );
        for (const w of p.windows) {
          await db.query(`INSERT INTO availabilities (professional_id, start_time, end_time) VALUES ($1, $2, $3)`, [p.id, new Date(w.start), new Date(w.end)]);
        }
      }
      for (const b of generated.bookings) {
        await db.query(
          `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, status, price_amount, currency, hold_expires_at, idempotency_key)
           VALUES ($1, $2, 'client', $3, $4, $5, 100, 'GHS', now() + interval '15 minutes', $6)`,
          [randomUUID(), b.pro, new Date(b.start), new Date(b.end), b.status, randomUUID()],
        );
      }
    } finally {
      await db.end();
    }
    const { deps } = system.indexer!;
    await reindex({
      pool: deps.pool,
      es: deps.es,
      alias: system.config.elasticsearch.alias,
      horizonDays: system.config.search.horizonDays,
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
  });
  after(() => system.close());

  const get = (query: object) => request(system.query!.url).get('/search/professionals').query(query);

  function generateQuery(): Query {
    const q: Query = {
      lat: Number((CENTER.lat + (rand.next() - 0.5) * 0.12).toFixed(5)),
      long: Number((CENTER.long + (rand.next() - 0.5) * 0.12).toFixed(5)),
      location_radius_km: rand.int(10, 1500) / 100,
      sort: rand.pick(['distance', 'distance', 'rate', 'eta'] as const),
      limit: rand.int(3, 25),
    };
    if (rand.chance(0.5)) q.category = rand.pick(CATEGORIES);
    if (rand.chance(0.4)) q.rate_per_minute = rand.pick([120, 200, 260]);
    if (rand.chance(0.5) || q.sort === 'eta') q.travel_mode = rand.pick(TRAVEL_MODES);
    if (rand.chance(0.5)) {
      const pro = rand.pick(pros.filter((p) => p.windows.length > 0));
      const window = rand.pick(pro.windows);
      q.start_time = new Date(window.start + rand.int(-2, 10) * 15 * MINUTE).toISOString();
      q.duration_minutes = rand.int(1, 12) * 15;
    }
    return q;
  }

  /** Every page of a query, following next_cursor. */
  async function walk(q: Query) {
    const rows: Array<Record<string, any>> = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await get({ ...q, ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.page.limit).to.equal(q.limit);
      expect(res.body.data.length).to.be.at.most(q.limit);
      rows.push(...res.body.data);
      cursor = res.body.page.next_cursor ?? undefined;
      if (!cursor) return rows;
      expect(res.body.data.length, 'only the last page is short').to.equal(q.limit);
    }
    throw new Error('too many pages');
  }

  it('returns exactly what a brute-force oracle finds, in its order, across all pages, for many generated queries', async () => {
    const now = Date.now();
    const horizonEnd = now + system.config.search.horizonDays * 24 * HOUR;
    let compared = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 150; i++) {
      const q = generateQuery();
      const expected = oracle(pros, q, now, horizonEnd);
      // A professional within a metre of the radius could fall either side of ES's rounding: pick another query.
      if (pros.some((p) => Math.abs(haversineM(q.lat, q.long, p.gridLat, p.gridLong) - q.location_radius_km * 1000) < 1)) continue;
      const rows = await walk(q);
      const context = `query ${JSON.stringify(q)}`;
      expect(
        rows.map((r) => r.id),
        context,
      ).to.deep.equal(expected.map((e) => e.pro.id));
      rows.forEach((row, k) => {
        const { pro, distanceM } = expected[k]!;
        expect(Math.abs(row.distance_km * 1000 - distanceM), `${context} distance of ${pro.id}`).to.be.at.most(1);
        const speed = q.travel_mode ? SPEEDS[q.travel_mode] : Math.max(...pro.modes.map((m) => SPEEDS[m]));
        const eta = (distanceM / 1000 / speed) * 60;
        if (Math.abs(eta - Math.round(eta)) > 1e-3) expect(row.eta_minutes, `${context} eta of ${pro.id}`).to.equal(Math.ceil(eta));
        expect(row).to.deep.include({
          name: pro.name,
          category: pro.category,
          rate_per_minute: pro.rate,
          currency: pro.currency,
          location: { lat: pro.lat, long: pro.long },
          travel_modes: pro.modes,
        });
        const next = nextFreeStart(pro, now, horizonEnd);
        expect(row.next_free_start, `${context} next_free_start of ${pro.id}`).to.equal(next === undefined ? undefined : new Date(next).toISOString());
      });
      compared++;
      if (rows.length > 0) nonEmpty++;
    }
    expect(compared).to.be.greaterThan(120);
    expect(nonEmpty, 'the generated queries must find something often').to.be.greaterThan(60);
  });

  it('pages a large result without repeating or skipping anyone, with a cursor that works for any page size', async () => {
    const q = { lat: CENTER.lat, long: CENTER.long, location_radius_km: 50, sort: 'rate' as const, limit: 7 };
    const all = oracle(pros, q, Date.now(), Date.now() + 60 * 24 * HOUR).map((e) => e.pro.id);
    const first = await get(q);
    const seen: string[] = first.body.data.map((r: { id: string }) => r.id);
    for (let cursor = first.body.page.next_cursor; cursor;) {
      const next = await get({ ...q, limit: 50, cursor });
      seen.push(...next.body.data.map((r: { id: string }) => r.id));
      cursor = next.body.page.next_cursor;
    }
    expect(all.length).to.be.greaterThan(100);
    expect(seen).to.deep.equal(all);
  });

  it('shows one professional with its free ranges, and answers 404 for an unknown or inactive one', async () => {
    const pro = pros.find((p) => p.active && p.live.length > 0 && p.windows.length > 1)!;
    const res = await request(system.query!.url).get(`/search/professionals/${pro.id}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ id: pro.id, category: pro.category, rate_per_minute: pro.rate, location: { lat: pro.lat, long: pro.long } });
    const now = Date.now();
    for (const range of res.body.free_ranges as Array<{ start_time: string; end_time: string }>) {
      const [start, end] = [Date.parse(range.start_time), Date.parse(range.end_time)];
      expect(freeFor(pro, start, end, now, now + 60 * 24 * HOUR), `${range.start_time}–${range.end_time} free`).to.equal(true);
      expect(freeFor(pro, start - 1, end, now, now + 60 * 24 * HOUR), 'ranges are maximal').to.equal(false);
    }
    expect(res.body.next_free_start).to.equal(res.body.free_ranges[0]?.start_time);

    for (const id of ['nobody', pros.find((p) => !p.active)!.id]) {
      const missing = await request(system.query!.url).get(`/search/professionals/${id}`);
      expect(missing.status).to.equal(404);
      expect(missing.type).to.equal('application/problem+json');
      expect(missing.body.code).to.equal('professional_not_found');
    }
  });

  it('accepts any positive radius, however small', async () => {
    const res = await get({ lat: CENTER.lat, long: CENTER.long, location_radius_km: '0.0000001' });
    expect(res.status).to.equal(200);
    expect(res.body.data).to.deep.equal([]);
  });

  it('answers a repeated query from the cache', async () => {
    const q = { lat: 5.61, long: -0.19, location_radius_km: 3.25, category: 'Tutor' };
    const first = await get(q);
    const second = await get({ ...q, category: 'tutor', lat: '5.610' });
    expect(first.headers['x-cache']).to.equal('MISS');
    expect(second.headers['x-cache']).to.equal('HIT');
    expect(second.body).to.deep.equal(first.body);
  });

  it('refuses a cursor that belongs to another query or was tampered with', async () => {
    const q = { lat: CENTER.lat, long: CENTER.long, location_radius_km: 20, limit: 2 };
    const { next_cursor: cursor } = (await get(q)).body.page;
    const other = await get({ ...q, category: 'plumber', cursor });
    const otherSort = await get({ ...q, sort: 'rate', cursor });
    const forged = await get({ ...q, cursor: Buffer.from(JSON.stringify({ q: 'x', a: [1, 'p'] })).toString('base64url') });
    const garbage = await get({ ...q, cursor: 'bm90LWpzb24' });
    for (const res of [other, otherSort, forged, garbage]) {
      expect(res.status).to.equal(400);
      expect(res.body).to.include({ code: 'validation_error' });
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['cursor']);
    }
  });

  describe('bad input', () => {
    const valid = { lat: '5.6', long: '-0.18', location_radius_km: '10' };
    const cases: Array<[string, Record<string, string | string[]>, string]> = [
      ['lat missing', { long: '-0.18', location_radius_km: '10' }, 'lat'],
      ['long missing', { lat: '5.6', location_radius_km: '10' }, 'long'],
      ['radius missing', { lat: '5.6', long: '-0.18' }, 'location_radius_km'],
      ['lat above 90', { ...valid, lat: '90.5' }, 'lat'],
      ['lat not a number', { ...valid, lat: 'north' }, 'lat'],
      ['lat given twice', { ...valid, lat: ['5.6', '5.7'] }, 'lat'],
      ['long below -180', { ...valid, long: '-180.1' }, 'long'],
      ['radius zero', { ...valid, location_radius_km: '0' }, 'location_radius_km'],
      ['radius above 200 km', { ...valid, location_radius_km: '200.5' }, 'location_radius_km'],
      ['empty category', { ...valid, category: '' }, 'category'],
      ['category with symbols', { ...valid, category: 'plumb<er>' }, 'category'],
      ['rate not an integer', { ...valid, rate_per_minute: '2.5' }, 'rate_per_minute'],
      ['rate zero', { ...valid, rate_per_minute: '0' }, 'rate_per_minute'],
      ['unknown travel mode', { ...valid, travel_mode: 'plane' }, 'travel_mode'],
      ['start without offset', { ...valid, start_time: '2030-01-01T10:00:00', duration_minutes: '60' }, 'start_time'],
      ['impossible start', { ...valid, start_time: '2030-02-30T10:00:00Z', duration_minutes: '60' }, 'start_time'],
      ['start without duration', { ...valid, start_time: '2030-01-01T10:00:00Z' }, 'duration_minutes'],
      ['duration without start', { ...valid, duration_minutes: '60' }, 'start_time'],
      ['duration below 15', { ...valid, start_time: '2030-01-01T10:00:00Z', duration_minutes: '10' }, 'duration_minutes'],
      ['duration above 480', { ...valid, start_time: '2030-01-01T10:00:00Z', duration_minutes: '485' }, 'duration_minutes'],
      ['duration not a multiple of 5', { ...valid, start_time: '2030-01-01T10:00:00Z', duration_minutes: '62' }, 'duration_minutes'],
      ['unknown sort', { ...valid, sort: 'name' }, 'sort'],
      ['eta sort without travel mode', { ...valid, sort: 'eta' }, 'travel_mode'],
      ['limit zero', { ...valid, limit: '0' }, 'limit'],
      ['limit above 100', { ...valid, limit: '101' }, 'limit'],
      ['cursor not base64url', { ...valid, cursor: 'a+b/c' }, 'cursor'],
      ['unknown parameter', { ...valid, radius: '5' }, 'radius'],
    ];
    for (const [name, query, field] of cases) {
      it(`answers 400 naming ${field} when ${name}`, async () => {
        const res = await get(query);
        expect(res.status).to.equal(400);
        expect(res.type).to.equal('application/problem+json');
        expect(res.body).to.include({ status: 400, code: 'validation_error' });
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal([field]);
      });
    }

    it('names every invalid parameter at once', async () => {
      const res = await get({ lat: '91', long: 'x', location_radius_km: '500', limit: '0' });
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.have.members(['lat', 'long', 'location_radius_km', 'limit']);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Schedules: slots, search and booking agree on generated schedules (time zones with DST, buffers,
// notice, horizon, overrides, one-off windows, bookings). This oracle is written independently of
// shared/schedules: it converts each local interval with Temporal directly and checks every minute.

const DAY = 24 * HOUR;
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

interface GeneratedPro {
  id: string;
  category: string;
  timeZone: string;
  weekly: Array<{ day: string; start: string; end: string }>;
  overrides: Map<string, Array<{ start: string; end: string }>>;
  rules: {
    buffer_before_minutes: number;
    buffer_after_minutes: number;
    minimum_notice_minutes: number;
    booking_horizon_days: number;
    slot_step_minutes: number;
  };
  windows: Span[];
  /** live bookings' blocked ranges */
  blocked: Span[];
  /** the span the slots are checked over: around the zone's next transition, or soon */
  around: number;
}

/** Instant of a local date and HH:MM with Temporal's `compatible` (24:00 = next midnight). */
function instantOf(timeZone: string, date: Temporal.PlainDate, clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  const day = h === 24 ? date.add({ days: 1 }) : date;
  return day.toZonedDateTime({ timeZone, plainTime: new Temporal.PlainTime(h === 24 ? 0 : h, m) }).epochMilliseconds;
}

function availableSpans(p: GeneratedPro, from: number, to: number): Span[] {
  const spans: Span[] = [...p.windows];
  let date = Temporal.Instant.fromEpochMilliseconds(from - 2 * DAY)
    .toZonedDateTimeISO(p.timeZone)
    .toPlainDate();
  const last = Temporal.Instant.fromEpochMilliseconds(to + 2 * DAY)
    .toZonedDateTimeISO(p.timeZone)
    .toPlainDate();
  for (; Temporal.PlainDate.compare(date, last) <= 0; date = date.add({ days: 1 })) {
    const intervals = p.overrides.get(date.toString()) ?? p.weekly.filter((w) => w.day === DAYS[date.dayOfWeek - 1]);
    for (const i of intervals) spans.push({ start: instantOf(p.timeZone, date, i.start), end: instantOf(p.timeZone, date, i.end) });
  }
  return spans;
}

/** Covered minute by minute by the (possibly touching) spans. */
function covered(spans: Span[], start: number, end: number): boolean {
  for (let t = start; t < end; t += MINUTE) if (!spans.some((s) => s.start <= t && t < s.end)) return false;
  return true;
}

/** What POST /bookings must decide, by brute force; `grid: false` is what search applies. */
function accepts(p: GeneratedPro, spans: Span[], start: number, minutes: number, now: number, grid = true): boolean {
  const r = p.rules;
  if (start < now + r.minimum_notice_minutes * MINUTE || start >= now + r.booking_horizon_days * DAY) return false;
  if (grid) {
    const local = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(p.timeZone);
    if (local.second !== 0 || local.millisecond !== 0 || (local.hour * 60 + local.minute) % r.slot_step_minutes !== 0) return false;
  }
  const end = start + minutes * MINUTE;
  if (!covered(spans, start, end)) return false;
  const [bs, be] = [start - r.buffer_before_minutes * MINUTE, end + r.buffer_after_minutes * MINUTE];
  return !p.blocked.some((b) => b.start < be && bs < b.end);
}

/** Starts this close to a moving boundary (notice, horizon) may fall either side between the test's clock and the server's. */
function nearClockBoundary(p: GeneratedPro, start: number, now: number): boolean {
  const r = p.rules;
  return [now + r.minimum_notice_minutes * MINUTE, now + r.booking_horizon_days * DAY].some((b) => Math.abs(start - b) < 3 * MINUTE);
}

describe('slots and search agree with booking on generated schedules (oracle)', function () {
  this.timeout(300_000);
  let system: TestSystem;
  let admin: string;
  const rand = prng(20261130);
  const pros: GeneratedPro[] = [];

  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexer: true, indexerWorkers: false, env: { SEARCH_RATE_LIMIT_PER_MIN: '1000000' } });
    admin = await system.token('admin', 'admin-1');
    const app = system.command!.app;
    const as = (r: request.Test) => r.set('Authorization', `Bearer ${admin}`);
    for (let i = 0; i < 12; i++) {
      const timeZone = ZONES[i % ZONES.length]!;
      const category = `oracle-${i}-${rand.int(0, 999)}`;
      const id = uniqueId('oracle');
      const created = await as(request(app).post('/professionals')).send({
        id,
        name: `Oracle ${i}`,
        category,
        rate_per_minute: 100,
        currency: 'GHS',
        lat: CENTER.lat,
        long: CENTER.long,
        travel_modes: ['car'],
        time_zone: timeZone,
      });
      expect(created.status).to.equal(201);
      const weekly: GeneratedPro['weekly'] = [];
      for (const day of DAYS) {
        if (!rand.chance(0.75)) continue;
        let cursor = rand.int(0, 40) * 15; // up to 10:00
        for (let k = 0; k < rand.int(1, 3) && cursor < 1440; k++) {
          const end = Math.min(1440, cursor + rand.int(2, 24) * 15);
          weekly.push({ day, start: hhmm(cursor), end: hhmm(end) });
          cursor = end + rand.pick([0, 30, 60, 120]); // touching intervals too
        }
      }
      const rules = {
        buffer_before_minutes: rand.pick([0, 0, 5, 15]),
        buffer_after_minutes: rand.pick([0, 10, 30]),
        minimum_notice_minutes: rand.pick([0, 90, 1440]),
        booking_horizon_days: rand.pick([3, 30, 200, 365]),
        slot_step_minutes: rand.pick([5, 15, 20, 30, 45, 60]),
      };
      expect((await as(request(app).put(`/professionals/${id}/schedule`)).send({ weekly, ...rules })).status).to.equal(200);
      // Around the zone's next DST transition when the horizon reaches it, otherwise in the coming days.
      const next = Temporal.Now.zonedDateTimeISO(timeZone).getTimeZoneTransition('next');
      const soon = Date.now() + rand.int(0, 2) * DAY;
      const around = next && next.epochMilliseconds < Date.now() + (rules.booking_horizon_days - 3) * DAY ? next.epochMilliseconds : soon;
      const pro: GeneratedPro = { id, category, timeZone, weekly, overrides: new Map(), rules, windows: [], blocked: [], around };
      const aroundDate = Temporal.Instant.fromEpochMilliseconds(around).toZonedDateTimeISO(timeZone).toPlainDate();
      if (rand.chance(0.7)) {
        const date = aroundDate.add({ days: rand.int(-1, 1) });
        const intervals = rand.chance(0.4) ? [] : [{ start: hhmm(rand.int(0, 30) * 15), end: hhmm(rand.int(31, 96) * 15) }];
        expect((await as(request(app).put(`/professionals/${id}/schedule/overrides/${date.toString()}`)).send({ intervals })).status).to.equal(200);
        pro.overrides.set(date.toString(), intervals);
      }
      if (rand.chance(0.6)) {
        const start = Math.ceil((around + rand.int(-30, 30) * 3_600_000) / (15 * MINUTE)) * 15 * MINUTE;
        const window = { start, end: start + rand.int(1, 8) * 3_600_000 };
        const res = await as(request(app).post(`/professionals/${id}/availabilities`)).send({
          start_time: new Date(window.start).toISOString(),
          end_time: new Date(window.end).toISOString(),
        });
        if (res.status === 201) pro.windows.push(window);
      }
      // Bookings through the real path: try random starts until a few are held.
      const spans = availableSpans(pro, around - 2 * DAY, around + 2 * DAY);
      for (let attempt = 0, held = 0; attempt < 40 && held < 3; attempt++) {
        const span = spans.length > 0 ? rand.pick(spans) : { start: around, end: around + DAY };
        const start = Math.floor((span.start + rand.int(0, 16) * 15 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
        const minutes = rand.pick([30, 60, 90]);
        const client = await system.token('client', uniqueId('c'));
        const res = await book(app, client, { professional_id: id, start_time: new Date(start).toISOString(), duration_minutes: minutes });
        if (res.status === 201) {
          held++;
          pro.blocked.push({ start: start - rules.buffer_before_minutes * MINUTE, end: start + minutes * MINUTE + rules.buffer_after_minutes * MINUTE });
        }
      }
      pros.push(pro);
    }
    const { deps } = system.indexer!;
    await reindex({
      pool: deps.pool,
      es: deps.es,
      alias: system.config.elasticsearch.alias,
      horizonDays: system.config.search.horizonDays,
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
  });
  after(() => system.close());

  it('lists exactly the starts the booking rules accept, around DST transitions too', async () => {
    let listedTotal = 0;
    for (const pro of pros) {
      for (const minutes of [15, 60]) {
        const from = Math.floor((pro.around - DAY) / MINUTE) * MINUTE;
        const to = from + 3 * DAY;
        const res = await request(system.query!.url)
          .get(`/search/professionals/${pro.id}/slots`)
          .query({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), duration_minutes: minutes });
        const now = Date.now();
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body).to.include({ professional_id: pro.id, time_zone: pro.timeZone, duration_minutes: minutes });
        const spans = availableSpans(pro, from, to + DAY);
        const expected: string[] = [];
        for (let t = from; t < to; t += MINUTE)
          if (!nearClockBoundary(pro, t, now) && accepts(pro, spans, t, minutes, now)) expected.push(new Date(t).toISOString());
        const listed = (res.body.slots as Array<{ start_time: string; end_time: string }>).filter(
          (s) => !nearClockBoundary(pro, Date.parse(s.start_time), now),
        );
        for (const s of listed) expect(Date.parse(s.end_time) - Date.parse(s.start_time)).to.equal(minutes * MINUTE);
        expect(
          listed.map((s) => s.start_time),
          `${pro.id} ${pro.timeZone} ${JSON.stringify({ weekly: pro.weekly, rules: pro.rules, overrides: [...pro.overrides], windows: pro.windows, blocked: pro.blocked })}`,
        ).to.deep.equal(expected);
        listedTotal += listed.length;
      }
    }
    expect(listedTotal, 'the generated schedules must offer slots').to.be.greaterThan(100);
  });

  it('finds a professional in a time-window search exactly when the rules other than the grid accept the window', async () => {
    let found = 0;
    let checked = 0;
    for (const pro of pros) {
      const spans = availableSpans(pro, Date.now(), Date.now() + 5 * DAY).filter((x) => x.start > Date.now() && x.start < Date.now() + 5 * DAY);
      for (let k = 0; k < 12; k++) {
        const base = spans.length > 0 && rand.chance(0.8) ? rand.pick(spans).start : Date.now() + rand.int(0, 96) * 3_600_000;
        const start = Math.floor((base + rand.int(-4, 12) * 10 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
        const minutes = rand.pick([15, 30, 60, 120]);
        const res = await request(system.query!.url)
          .get('/search/professionals')
          .query({
            lat: CENTER.lat,
            long: CENTER.long,
            location_radius_km: 1,
            category: pro.category,
            start_time: new Date(start).toISOString(),
            duration_minutes: minutes,
          });
        const now = Date.now();
        if (nearClockBoundary(pro, start, now)) continue;
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const expected = accepts(pro, availableSpans(pro, start - DAY, start + DAY), start, minutes, now, false);
        expect(
          res.body.data.map((r: { id: string }) => r.id),
          `${pro.id} ${new Date(start).toISOString()} ${minutes} min`,
        ).to.deep.equal(expected ? [pro.id] : []);
        checked++;
        if (expected) found++;
      }
    }
    expect(checked).to.be.greaterThan(100);
    expect(found, 'some windows must be free').to.be.greaterThan(10);
  });

  describe('slots: bad input', () => {
    const from = '2030-01-01T00:00:00Z';
    const cases: Array<[string, Record<string, string>, string]> = [
      ['to before from', { from, to: '2029-12-31T00:00:00Z', duration_minutes: '60' }, 'to'],
      ['to equal to from', { from, to: from, duration_minutes: '60' }, 'to'],
      ['to more than 31 days after from', { from, to: '2030-02-01T00:00:01Z', duration_minutes: '60' }, 'to'],
      ['from missing', { to: from, duration_minutes: '60' }, 'from'],
      ['from without offset', { from: '2030-01-01T00:00:00', to: '2030-01-02T00:00:00Z', duration_minutes: '60' }, 'from'],
      ['duration missing', { from, to: '2030-01-02T00:00:00Z' }, 'duration_minutes'],
      ['duration below 15', { from, to: '2030-01-02T00:00:00Z', duration_minutes: '10' }, 'duration_minutes'],
      ['duration not a multiple of 5', { from, to: '2030-01-02T00:00:00Z', duration_minutes: '62' }, 'duration_minutes'],
      ['an unknown parameter', { from, to: '2030-01-02T00:00:00Z', duration_minutes: '60', step: '5' }, 'step'],
    ];
    for (const [what, query, field] of cases) {
      it(`answers 400 naming ${field} for ${what}`, async () => {
        const res = await request(system.query!.url).get(`/search/professionals/${pros[0]!.id}/slots`).query(query);
        expect(res.status).to.equal(400);
        expect(res.type).to.equal('application/problem+json');
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal([field]);
      });
    }

    it('answers 404 professional_not_found for an unknown professional', async () => {
      const res = await request(system.query!.url)
        .get('/search/professionals/nobody/slots')
        .query({ from, to: '2030-01-02T00:00:00Z', duration_minutes: '60' });
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('professional_not_found');
    });

    it('answers 400 naming start_time for a search window beyond the search horizon', async () => {
      const start = new Date(Date.now() + (system.config.search.horizonDays + 1) * DAY).toISOString();
      const res = await request(system.query!.url)
        .get('/search/professionals')
        .query({ ...CENTER, location_radius_km: 5, start_time: start, duration_minutes: 60 });
      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['start_time']);
    });
  });

  it('books a listed slot (201) and refuses starts that are not listed', async () => {
    for (const pro of pros) {
      const from = Math.floor((pro.around - DAY) / MINUTE) * MINUTE;
      const to = from + 3 * DAY;
      const res = await request(system.query!.url)
        .get(`/search/professionals/${pro.id}/slots`)
        .query({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), duration_minutes: 30 });
      const listed = new Set((res.body.slots as Array<{ start_time: string }>).map((s) => s.start_time));
      const client = await system.token('client', uniqueId('c'));
      for (let k = 0; k < 6; k++) {
        const start = from + rand.int(0, 3 * 24 * 12) * 5 * MINUTE;
        const iso = new Date(start).toISOString();
        if (listed.has(iso) || nearClockBoundary(pro, start, Date.now())) continue;
        const refused = await book(system.command!.app, client, { professional_id: pro.id, start_time: iso, duration_minutes: 30 });
        expect(refused.status, `${pro.id} ${iso}: ${JSON.stringify(refused.body)}`).to.be.oneOf([409, 422]);
      }
      const candidates = [...listed].filter((iso) => !nearClockBoundary(pro, Date.parse(iso), Date.now()));
      if (candidates.length === 0) continue;
      const pick = rand.pick(candidates);
      const held = await book(system.command!.app, client, { professional_id: pro.id, start_time: pick, duration_minutes: 30 });
      expect(held.status, `${pro.id} ${pick}: ${JSON.stringify(held.body)}`).to.equal(201);
    }
  });
});
