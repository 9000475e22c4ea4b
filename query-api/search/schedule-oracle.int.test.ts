import { expect } from 'chai';
import request from 'supertest';
import { Temporal } from 'temporal-polyfill';
import { createLogger } from '../../shared/logger.ts';
import { reindex } from '../../scripts/reindex.ts';
import { book, uniqueId } from '../../scripts/testing/builders.ts';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';

/**
 * Slots, search and booking agree on generated schedules (time zones with DST, buffers, notice, horizon,
 * overrides, one-off windows, bookings). The oracle below is written independently of shared/schedules:
 * it converts each local interval with Temporal directly and checks every minute.
 */

function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

interface Span {
  start: number;
  end: number;
}
interface GeneratedPro {
  id: string;
  category: string;
  timeZone: string;
  weekly: Array<{ day: string; start: string; end: string }>;
  overrides: Map<string, Array<{ start: string; end: string }>>;
  rules: { buffer_before_minutes: number; buffer_after_minutes: number; minimum_notice_minutes: number; booking_horizon_days: number; slot_step_minutes: number };
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
  let date = Temporal.Instant.fromEpochMilliseconds(from - 2 * DAY).toZonedDateTimeISO(p.timeZone).toPlainDate();
  const last = Temporal.Instant.fromEpochMilliseconds(to + 2 * DAY).toZonedDateTimeISO(p.timeZone).toPlainDate();
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
  const LOCATION = { lat: 5.6037, long: -0.187 };

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
        id, name: `Oracle ${i}`, category, rate_per_minute: 100, currency: 'GHS', lat: LOCATION.lat, long: LOCATION.long, travel_modes: ['car'], time_zone: timeZone,
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
        expect((await as(request(app).put(`/professionals/${id}/schedule/overrides/${date}`)).send({ intervals })).status).to.equal(200);
        pro.overrides.set(date.toString(), intervals);
      }
      if (rand.chance(0.6)) {
        const start = Math.ceil((around + rand.int(-30, 30) * 3_600_000) / (15 * MINUTE)) * 15 * MINUTE;
        const window = { start, end: start + rand.int(1, 8) * 3_600_000 };
        const res = await as(request(app).post(`/professionals/${id}/availabilities`)).send({ start_time: new Date(window.start).toISOString(), end_time: new Date(window.end).toISOString() });
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
    await reindex({ pool: deps.pool, es: deps.es, alias: system.config.elasticsearch.alias, horizonDays: system.config.search.horizonDays, logger: createLogger({ name: 'test', level: 'silent' }) });
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
        for (let t = from; t < to; t += MINUTE) if (!nearClockBoundary(pro, t, now) && accepts(pro, spans, t, minutes, now)) expected.push(new Date(t).toISOString());
        const listed = (res.body.slots as Array<{ start_time: string; end_time: string }>).filter((s) => !nearClockBoundary(pro, Date.parse(s.start_time), now));
        for (const s of listed) expect(Date.parse(s.end_time) - Date.parse(s.start_time)).to.equal(minutes * MINUTE);
        expect(listed.map((s) => s.start_time), `${pro.id} ${pro.timeZone} ${JSON.stringify({ weekly: pro.weekly, rules: pro.rules, overrides: [...pro.overrides], windows: pro.windows, blocked: pro.blocked })}`).to.deep.equal(expected);
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
          .query({ lat: LOCATION.lat, long: LOCATION.long, location_radius_km: 1, category: pro.category, start_time: new Date(start).toISOString(), duration_minutes: minutes });
        const now = Date.now();
        if (nearClockBoundary(pro, start, now)) continue;
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const expected = accepts(pro, availableSpans(pro, start - DAY, start + DAY), start, minutes, now, false);
        expect(res.body.data.map((r: { id: string }) => r.id), `${pro.id} ${new Date(start).toISOString()} ${minutes} min`).to.deep.equal(expected ? [pro.id] : []);
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
      const res = await request(system.query!.url).get('/search/professionals/nobody/slots').query({ from, to: '2030-01-02T00:00:00Z', duration_minutes: '60' });
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('professional_not_found');
    });

    it('answers 400 naming start_time for a search window beyond the search horizon', async () => {
      const start = new Date(Date.now() + (system.config.search.horizonDays + 1) * DAY).toISOString();
      const res = await request(system.query!.url).get('/search/professionals').query({ ...LOCATION, location_radius_km: 5, start_time: start, duration_minutes: 60 });
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
