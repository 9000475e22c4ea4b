/**
 * The search cache under a mixed load: steady searches over a realistic set of hot queries (each city's
 * categories, with and without a time window on the day being booked, hotter ones asked more often: a
 * Zipf distribution) while writers keep booking that same day. Every booking invalidates what it can
 * change, so the hit ratio measures how narrowly invalidation works, not just the TTL.
 */
import { signToken } from '../../shared/auth.ts';
import { prng } from '../seed.ts';
import { BOOKING_DAYS, bookingBody } from './booking-bench.ts';
import { CITIES, professionalId, type Dataset } from './dataset.ts';
import { round } from './measure.ts';
import type { BenchSystem } from './system.ts';

export interface MixedCacheResult {
  hit_ratio_mixed: number;
  searches: number;
  searches_per_s: number;
  bookings: number;
  hot_queries: number;
  errors: number;
}

const CATEGORIES = ['plumber', 'electrician', 'tutor', 'cleaner', 'carpenter', 'painter', 'mechanic', 'hairdresser'];
const HOURS = [9, 10, 14];
const SEARCHERS = 8;
const WRITERS = 2;
const ZIPF_S = 1.0;

export async function benchMixedCache(system: BenchSystem, ds: Dataset, seconds: number, log: (msg: string) => void): Promise<MixedCacheResult> {
  const day = ds.firstDay + BOOKING_DAYS.mixedWriters * 86_400_000;
  const queries: string[] = [];
  for (const city of CITIES) {
    for (const category of CATEGORIES) {
      const base = { lat: String(city.lat), long: String(city.long), location_radius_km: '10', category };
      queries.push(new URLSearchParams(base).toString());
      for (const hour of HOURS) {
        const start_time = new Date(day + hour * 3_600_000).toISOString();
        queries.push(new URLSearchParams({ ...base, start_time, duration_minutes: '60' }).toString());
      }
    }
  }
  // Hot first, in a fixed shuffled order, so hotness does not follow the city order.
  const random = prng(99);
  for (let i = queries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [queries[i], queries[j]] = [queries[j]!, queries[i]!];
  }
  const weights = queries.map((_, rank) => 1 / (rank + 1) ** ZIPF_S);
  const cumulative = weights.map(
    (
      (sum) => (w: number) =>
        (sum += w)
    )(0),
  );
  const total = cumulative[cumulative.length - 1]!;
  const pick = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return queries[lo]!;
  };

  const token = await signToken(system.jwtSecret, { sub: 'bench-mixed', role: 'client' });
  // Random professionals and hours of the seeded 08:00–17:00 window, so bookings meet the hot time windows.
  const slots = () => ({
    professional_id: professionalId(Math.floor(random() * ds.professionals)),
    start_time: new Date(day + (8 + Math.floor(random() * 9)) * 3_600_000).toISOString(),
  });
  log(`cache under writes: ${SEARCHERS} searchers over ${queries.length} hot queries (Zipf) while ${WRITERS} writers book the same day, for ${seconds} s`);
  const deadline = performance.now() + seconds * 1000;
  let hits = 0;
  let searches = 0;
  let bookings = 0;
  let errors = 0;
  let keys = 0;
  const searcher = async () => {
    while (performance.now() < deadline) {
      const res = await fetch(`${system.urls.query_api}/search/professionals?${pick()}`);
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      else {
        searches++;
        if (res.headers.get('x-cache') === 'HIT') hits++;
      }
    }
  };
  const writer = async () => {
    while (performance.now() < deadline) {
      const res = await fetch(`${system.urls.command_api}/bookings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `bench-mixed-${keys++}` },
        body: bookingBody(slots()),
      });
      await res.arrayBuffer();
      if (res.status === 201) bookings++;
    }
  };
  const started = performance.now();
  await Promise.all([...Array.from({ length: SEARCHERS }, searcher), ...Array.from({ length: WRITERS }, writer)]);
  const elapsedS = (performance.now() - started) / 1000;
  const result = {
    hit_ratio_mixed: round(hits / Math.max(1, searches), 3),
    searches,
    searches_per_s: round(searches / elapsedS, 0),
    bookings,
    hot_queries: queries.length,
    errors,
  };
  log(`  hit ratio ${result.hit_ratio_mixed} over ${searches} searches (${result.searches_per_s}/s) while ${bookings} bookings were written; ${errors} errors`);
  return result;
}
