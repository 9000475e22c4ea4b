/**
 * Freshness as a client sees it, through query-api and its cache: how long after a booking's 201 the
 * booked slot stops being offered by a search answer that was cached (warm, X-Cache: HIT) when the booking
 * was made, while other bookings keep being written. Each probe asks query-api for an availability search
 * around one professional until it is answered from the cache with that professional in it, books the
 * slot, then repeats the same search until the professional is gone from it.
 */
import { signToken } from '../../shared/auth.ts';
import { BOOKING_DAYS, bookingBody, DURATION_MINUTES } from './booking-bench.ts';
import { slotSequence, type Dataset, type Slot } from './dataset.ts';
import { percentile, round, sleep } from './measure.ts';
import type { BenchSystem } from './system.ts';

export interface FreshnessResult {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** probes whose slot was still offered after TIMEOUT_MS */
  timeouts: number;
  /** probes whose search was answered from the cache just before the booking (all of them, normally) */
  warm_before_booking: number;
  /** bookings written meanwhile by the background writers */
  background_bookings: number;
  poll_interval_ms: number;
}

const PROBES = 4;
const WRITERS = 2;
const POLL_MS = 20;
const TIMEOUT_MS = 15_000;

export async function benchFreshness(system: BenchSystem, ds: Dataset, seconds: number, log: (msg: string) => void): Promise<FreshnessResult> {
  const token = await signToken(system.jwtSecret, { sub: 'bench-freshness', role: 'client' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let keys = 0;
  const book = async (slot: Slot) => {
    const res = await fetch(`${system.urls.command_api}/bookings`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': `bench-fresh-${keys++}` },
      body: bookingBody(slot),
    });
    await res.arrayBuffer();
    return res.status === 201;
  };

  const deadline = performance.now() + seconds * 1000;
  const lags: number[] = [];
  let timeouts = 0;
  let warm = 0;
  let background = 0;
  const probeSlots = slotSequence(ds, BOOKING_DAYS.freshnessProbes);
  const writerSlots = slotSequence(ds, BOOKING_DAYS.freshnessWriters);
  log(`freshness: ${PROBES} probes (a cached search, a booking, then the search every ${POLL_MS} ms) while ${WRITERS} writers keep booking, for ${seconds} s`);
  {
    const probe = async () => {
      while (performance.now() < deadline) {
        const slot = probeSlots();
        const query = await probeQuery(system.urls.query_api, slot);
        if (!query) continue;
        // warm: answered from the cache, with the slot offered (else not a measurement)
        let cached = await offered(query, slot);
        if (cached.offered && !cached.hit) cached = await offered(query, slot);
        if (!cached.offered) continue;
        if (!(await book(slot))) continue;
        if (cached.hit) warm++;
        const booked = performance.now();
        while ((await offered(query, slot)).offered) {
          if (performance.now() - booked > TIMEOUT_MS) break;
          await sleep(POLL_MS);
        }
        const lag = performance.now() - booked;
        if (lag > TIMEOUT_MS) timeouts++;
        else lags.push(lag);
      }
    };
    const writer = async () => {
      while (performance.now() < deadline) if (await book(writerSlots())) background++;
    };
    await Promise.all([...Array.from({ length: PROBES }, probe), ...Array.from({ length: WRITERS }, writer)]);
  }
  const result = {
    samples: lags.length,
    p50: round(percentile(lags, 50), 0),
    p95: round(percentile(lags, 95), 0),
    p99: round(percentile(lags, 99), 0),
    max: round(Math.max(...lags), 0),
    timeouts,
    warm_before_booking: warm,
    background_bookings: background,
    poll_interval_ms: POLL_MS,
  };
  log(
    `  ${result.samples} samples: p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, max ${result.max} ms; ${timeouts} timeouts; ${background} background bookings`,
  );
  return result;
}

/** An availability search for the slot around its professional (its place and category, from query-api). */
async function probeQuery(queryApi: string, slot: Slot): Promise<string | undefined> {
  const res = await fetch(`${queryApi}/search/professionals/${slot.professional_id}`);
  if (res.status !== 200) return undefined;
  const pro = (await res.json()) as { category: string; location: { lat: number; long: number } };
  const params = new URLSearchParams({
    lat: String(pro.location.lat),
    long: String(pro.location.long),
    location_radius_km: '0.5',
    category: pro.category,
    start_time: slot.start_time,
    duration_minutes: String(DURATION_MINUTES),
    limit: '100',
  });
  return `${queryApi}/search/professionals?${params}`;
}

async function offered(query: string, slot: Slot): Promise<{ offered: boolean; hit: boolean }> {
  const res = await fetch(query);
  const body = (await res.json()) as { data?: Array<{ id: string }> };
  return { offered: (body.data ?? []).some((row) => row.id === slot.professional_id), hit: res.headers.get('x-cache') === 'HIT' };
}
