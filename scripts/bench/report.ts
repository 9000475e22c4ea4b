/**
 * bench-results/latest.json and latest.md: every figure of one run, the machine it ran on, and the
 * targets next to what was measured. A missed target is reported, never an error. SVG charts go next to them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BookingResults } from './booking-bench.ts';
import { writeCharts, type ScalingPoint } from './charts.ts';
import type { Dataset } from './dataset.ts';
import type { FreshnessResult } from './freshness.ts';
import type { MixedCacheResult } from './cache-bench.ts';
import type { JobsResults } from './jobs-bench.ts';
import { round, type LoadResult, type RunSettings } from './measure.ts';
import type { SearchResults } from './search-bench.ts';
import type { AppName } from './system.ts';

export type Memory = Record<AppName | 'elasticsearch', number | undefined>;

export interface Machine {
  cpu_model: string;
  cpus: number;
  memory_gb: number;
  os: string;
  node: string;
  elasticsearch: string;
  postgres: string;
  /** 1, 5 and 15 minute load averages when the bench started: other work on the machine skews everything */
  loadavg_at_start: number[];
  /** shares of the machine's CPU time while the phases ran: busy in all, the bench's process tree, other processes, hypervisor steal */
  cpu_during_runs: { machine_busy: number; bench: number; other: number; steal: number };
}

interface Target {
  name: string;
  target: string;
  measured: number;
  met: boolean;
}

export interface ReportInput {
  mode: 'quick' | 'full';
  startedAt: Date;
  machine: Machine;
  settings: RunSettings;
  /** extra node flags the three apps ran with (--node-flags, --cpu-prof) */
  appNodeFlags: string[];
  dataset: Dataset;
  search: SearchResults;
  booking: BookingResults;
  freshness: FreshnessResult;
  cache: MixedCacheResult;
  jobs: JobsResults;
  /** RSS of each process once started, before any load, kB */
  idleKb: Memory;
  /** peak RSS (VmHWM) of each process, kB */
  peakKb: Memory;
  /** highest RSS sampled while the bench phases ran, kB */
  underLoadKb: Memory;
  /** uncached search by data set size, this run's size included (bench-results/scaling.json) */
  scaling: ScalingPoint[];
}

const mb = (m: Memory) =>
  Object.fromEntries(Object.entries(m).map(([k, kb]) => [k, kb === undefined ? null : round(kb / 1024, 1)])) as Record<keyof Memory, number | null>;

export function buildReport(r: ReportInput) {
  const ratios = {
    search_uncached_vs_es: round(r.search.uncached.rps / r.search.es_direct.rps, 3),
    search_cached_vs_express: round(r.search.cached.rps / r.search.express_bare.rps, 3),
    booking_vs_sql: round(r.booking.http.rps / r.booking.sql.rps, 3),
  };
  const rss = mb(r.peakKb);
  const targets: Target[] = [
    at('uncached search / direct Elasticsearch (req/s)', '≥ 0.8', ratios.search_uncached_vs_es, (v) => v >= 0.8),
    at('uncached search p99 (ms)', '≤ 50', r.search.uncached.p99_ms, (v) => v <= 50),
    at('slots p99 (ms)', '≤ 50', r.search.slots.p99_ms, (v) => v <= 50),
    at('cached search / bare Express (req/s)', '≥ 0.7', ratios.search_cached_vs_express, (v) => v >= 0.7),
    at('booking via command-api / direct SQL (req/s)', '≥ 0.5', ratios.booking_vs_sql, (v) => v >= 0.5),
    at('freshness through the cache p95 (ms)', '≤ 1000', r.freshness.p95, (v) => v <= 1000),
    at('cache hit ratio under writes', '≥ 0.8', r.cache.hit_ratio_mixed, (v) => v >= 0.8),
    at('contention: bookings created for one slot', '= 1', r.booking.contention.created, (v) => v === 1),
    at('contention: 5xx answers', '= 0', r.booking.contention.server_errors, (v) => v === 0),
    at('Stripe events drained after a burst (per s)', '≥ 20', r.jobs.stripe_events_per_s, (v) => v >= 20),
    at('confirmation emails drained after a burst (per s)', '≥ 20', r.jobs.emails_per_s, (v) => v >= 20),
    at('command-api peak RSS (MB)', '≤ 250', rss.command_api ?? Number.NaN, (v) => v <= 250),
    at('query-api peak RSS (MB)', '≤ 250', rss.query_api ?? Number.NaN, (v) => v <= 250),
  ];
  return {
    ran_at: r.startedAt.toISOString(),
    mode: r.mode,
    machine: r.machine,
    settings: { connections: r.settings.connections, duration_s: r.settings.durationS, warmup_s: r.settings.warmupS, app_node_flags: r.appNodeFlags },
    dataset: r.dataset,
    ratios,
    search_uncached: r.search.uncached,
    search_es_direct: r.search.es_direct,
    search_cached: r.search.cached,
    express_bare: r.search.express_bare,
    search_body_bytes: r.search.body_bytes,
    slots: r.search.slots,
    search_example_query: r.search.example_query,
    booking_http: r.booking.http,
    booking_sql: r.booking.sql,
    contention: r.booking.contention,
    idempotent_replay: r.booking.idempotent_replay,
    freshness_ms: r.freshness,
    cache: r.cache,
    jobs: r.jobs,
    rss_mb: rss,
    rss_under_load_mb: mb(r.underLoadKb),
    rss_idle_mb: mb(r.idleKb),
    scaling: r.scaling,
    targets,
  };
}

export type Report = ReturnType<typeof buildReport>;

function at(name: string, target: string, measured: number, test: (v: number) => boolean): Target {
  return { name, target, measured, met: Number.isFinite(measured) && test(measured) };
}

export function writeReport(report: Report, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'latest.md'), markdown(report));
  writeCharts(report, dir);
}

export function targetLines(report: Report): string[] {
  return report.targets.map((t) => `${t.met ? 'met   ' : 'MISSED'}  ${t.name}: ${t.measured} (target ${t.target})`);
}

function markdown(r: Report): string {
  const m = r.machine;
  const run = (name: string, x: LoadResult) => `| ${name} | ${x.rps} | ${x.p50_ms} | ${x.p99_ms} | ${x.ok} | ${x.non_2xx} | ${x.errors} |`;
  const c = r.contention;
  const f = r.freshness_ms;
  const memRow = (name: keyof typeof r.rss_mb) =>
    `| ${name} | ${r.rss_idle_mb[name] ?? '–'} | ${r.rss_under_load_mb[name] ?? '–'} | ${r.rss_mb[name] ?? '–'} |`;
  return `# Benchmark results (${r.mode})

Ran ${r.ran_at} on ${m.cpus} × ${m.cpu_model}, ${m.memory_gb} GB, ${m.os}; Node ${m.node}, Elasticsearch ${m.elasticsearch}, PostgreSQL ${m.postgres};
load average at start ${m.loadavg_at_start.join(' / ')}. Everything (load generator included) shares these CPUs; while the phases ran the
machine was ${pct(m.cpu_during_runs.machine_busy)} busy: the bench ${pct(m.cpu_during_runs.bench)}, other processes ${pct(m.cpu_during_runs.other)}, hypervisor steal ${pct(m.cpu_during_runs.steal)}.${
    r.settings.app_node_flags.length ? `\nThe apps ran with node flags \`${r.settings.app_node_flags.join(' ')}\`.` : ''
  }

Dataset: ${r.dataset.professionals} professionals in ${r.dataset.cities.join(', ')}, each with weekly hours in its own time zone
(office hours with lunch, Tuesday–Saturday, evenings, part-time) and booking rules, plus ${r.dataset.availabilities} one-off windows;
loaded in ${(r.dataset.load_ms / 1000).toFixed(1)} s, reindexed in ${(r.dataset.reindex_ms / 1000).toFixed(1)} s.

## Targets

| Measure | Target | Measured | Met |
|---|---|---|---|
${r.targets.map((t) => `| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`).join('\n')}

## Throughput and latency

Concurrency ${r.settings.connections}. Each side of a comparison: a ${r.settings.warmup_s} s warm-up, then ${r.settings.duration_s} s in two halves run in\nABBA order (A, B, B, A). req/s counts 2xx answers (201 for bookings).

| Run | req/s | p50 ms | p99 ms | ok | non-2xx | errors |
|---|---|---|---|---|---|---|
${run('search, uncached (query-api, Redis miss)', r.search_uncached)}
${run('search, same request straight to Elasticsearch', r.search_es_direct)}
${run('search, hot cache (query-api, Redis hit)', r.search_cached)}
${run(`bare Express, same ${r.search_body_bytes}-byte body`, r.express_bare)}
${run('booking, POST /bookings (command-api + Stripe stand-in)', r.booking_http)}
${run('booking, hold transaction straight at PostgreSQL', r.booking_sql)}
${run('booking, idempotent replay', r.idempotent_replay)}

Ratios: uncached/ES ${r.ratios.search_uncached_vs_es}, cached/Express ${r.ratios.search_cached_vs_express}, booking/SQL ${r.ratios.booking_vs_sql}.
Cache hit ratio during the uncached run ${r.search_uncached.cache_hit_ratio}, during the hot run ${r.search_cached.cache_hit_ratio}.

## Contention: ${c.requests} concurrent requests for one slot

${c.created} created, ${c.conflicts} × 409, ${c.server_errors} × 5xx, ${c.other} other; latency p50 ${c.p50_ms} ms, p99 ${c.p99_ms} ms, max ${c.max_ms} ms; all answered in ${c.wall_ms} ms.

## Freshness: booking 201 → slot no longer offered by a cached search

${f.samples} samples (${f.warm_before_booking} answered from the cache just before the booking; polling query-api every ${f.poll_interval_ms} ms, ${f.background_bookings} other bookings written meanwhile): p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, max ${f.max} ms; ${f.timeouts} timeouts.

## Cache under writes

Hit ratio ${r.cache.hit_ratio_mixed} over ${r.cache.searches} searches (${r.cache.searches_per_s}/s) of ${r.cache.hot_queries} hot queries (Zipf), while ${r.cache.bookings} bookings were written on the day they ask about; ${r.cache.errors} errors.

## Jobs: draining a burst (command-api workers)

${jobLine('Stripe events (payment_intent.succeeded, each confirms a hold)', r.jobs.stripe_events)}
${jobLine('confirmation emails (SMTP to the mail sink)', r.jobs.emails)}

## Scaling: uncached search by data set size

Each size is a run of its own (this one, or \`npm run bench -- --scale-point N\`): the uncached comparison above, at that size.
Index size is the primary store after the reindex; load is PostgreSQL, index is the reindex into Elasticsearch.

| Professionals | query-api req/s | p50 ms | p90 ms | p99 ms | one client p50 / p99 ms | Elasticsearch req/s | ES p50 ms | ES p99 ms | index MB | load s | index s | measured |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${r.scaling
  .map(
    (p) =>
      `| ${p.professionals} | ${p.req_s} | ${p.p50_ms} | ${p.p90_ms} | ${p.p99_ms} | ${p.one_client_p50_ms ?? '–'} / ${p.one_client_p99_ms ?? '–'} | ${p.es_req_s} | ${p.es_p50_ms} | ${p.es_p99_ms} | ${round(p.index_bytes / 2 ** 20, 1)} | ${p.load_s} | ${p.index_s} | ${p.measured_at.slice(0, 10)} |`,
  )
  .join('\n')}

![Search latency by data set size](scaling-latency.svg)
![Search throughput by data set size](scaling-throughput.svg)
![Throughput side by side with the raw engines](throughput.svg)

## Memory (MB)

| Process | RSS once started | highest RSS sampled during the runs | peak RSS (VmHWM) |
|---|---|---|---|
${memRow('command_api')}
${memRow('query_api')}
${memRow('indexer')}
${memRow('elasticsearch')}
`;
}

const jobLine = (name: string, b: JobsResults['emails']) =>
  `- ${name}: ${b.jobs} jobs drained in ${(b.drain_ms / 1000).toFixed(1)} s, **${b.per_s}/s**; wait from creation to start p50 ${b.p50_wait_ms} ms, p99 ${b.p99_wait_ms} ms, max ${b.max_wait_ms} ms.`;

const pct = (share: number) => `${Math.round(share * 100)}%`;

export function machineInfo(es: string, postgres: string, loadavg: number[], cpu: Machine['cpu_during_runs']): Machine {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    elasticsearch: es,
    postgres,
    loadavg_at_start: loadavg.map((l) => round(l, 2)),
    cpu_during_runs: cpu,
  };
}
