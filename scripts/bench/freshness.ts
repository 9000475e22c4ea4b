/**
 * Freshness: how long after a booking's 201 the booked slot stops being offered by search, while other
 * bookings keep being written. Each probe books a slot its professional is known (by search) to have free,
 * then repeats the availability-filtered search query-api runs (the professional's id, active, and a
 * free range that contains the slot) straight at Elasticsearch until the professional is gone from it.
 * Straight at Elasticsearch, so that neither the query-api cache nor its TTL is part of the number.
 */
import { signToken } from '../../shared/auth.ts';
import { createElasticsearchClient, type ElasticsearchClient } from '../../shared/elasticsearch.ts';
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
  const es = createElasticsearchClient(system.config.elasticsearch);
  const alias = system.config.elasticsearch.alias;
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
  let background = 0;
  const probeSlots = slotSequence(ds, BOOKING_DAYS.freshnessProbes);
  const writerSlots = slotSequence(ds, BOOKING_DAYS.freshnessWriters);
  log(`freshness: ${PROBES} probes (booking, then searching every ${POLL_MS} ms) while ${WRITERS} writers keep booking, for ${seconds} s`);
  try {
    const probe = async () => {
      while (performance.now() < deadline) {
        const slot = probeSlots();
        if (!(await offered(es, alias, slot))) continue; // not a measurement: search never offered it
        if (!(await book(slot))) continue;
        const booked = performance.now();
        while (await offered(es, alias, slot)) {
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
  } finally {
    await es.close();
  }
  const result = {
    samples: lags.length,
    p50: round(percentile(lags, 50), 0),
    p95: round(percentile(lags, 95), 0),
    p99: round(percentile(lags, 99), 0),
    max: round(Math.max(...lags), 0),
    timeouts,
    background_bookings: background,
    poll_interval_ms: POLL_MS,
  };
  log(`  ${result.samples} samples: p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, max ${result.max} ms; ${timeouts} timeouts; ${background} background bookings`);
  return result;
}

/** The availability filter of query-api's search, narrowed to one professional. */
async function offered(es: ElasticsearchClient, alias: string, slot: Slot): Promise<boolean> {
  const end = new Date(new Date(slot.start_time).getTime() + DURATION_MINUTES * 60_000).toISOString();
  const response = await es.search({
    index: alias,
    size: 0,
    track_total_hits: true,
    query: {
      bool: {
        filter: [
          { term: { id: slot.professional_id } },
          { term: { active: true } },
          { range: { free_ranges: { gte: slot.start_time, lt: end, relation: 'contains' } } },
        ],
      },
    },
  });
  const total = response.hits.total;
  return (typeof total === 'number' ? total : (total?.value ?? 0)) > 0;
}
