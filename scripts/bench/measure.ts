/**
 * Load generation and statistics shared by the bench phases: autocannon runs with exact latencies
 * (autocannon's own histogram has 1 ms resolution, too coarse for sub-millisecond cached answers), and
 * side-by-side comparisons run in ABBA order so that drift (JIT warm-up, caches, other load) favours neither.
 */
import autocannon from 'autocannon';

/** Concurrency and durations of every measured comparison (preceded by a warm-up of each side). */
export interface RunSettings {
  connections: number;
  /** seconds per side of a comparison, split into two halves run in ABBA order */
  durationS: number;
  warmupS: number;
}

export interface LoadResult {
  /** successful (2xx) answers per second over the run */
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  requests: number;
  ok: number;
  non_2xx: number;
  server_errors: number;
  errors: number;
  duration_s: number;
}

/** One run's raw counts; latencies are of successful answers, in ms. */
export interface Sample {
  latencies: number[];
  requests: number;
  non2xx: number;
  serverErrors: number;
  errors: number;
  durationS: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const describe = (r: LoadResult) => `${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms (${r.ok} ok, ${r.non_2xx} non-2xx, ${r.errors} errors)`;

/** Several runs of one side as one result. */
export function summarize(samples: readonly Sample[]): LoadResult {
  const latencies = samples.flatMap((s) => s.latencies);
  const sum = (pick: (s: Sample) => number) => samples.reduce((total, s) => total + pick(s), 0);
  const duration = sum((s) => s.durationS);
  return {
    rps: round(latencies.length / duration, 1),
    p50_ms: round(percentile(latencies, 50)),
    p90_ms: round(percentile(latencies, 90)),
    p99_ms: round(percentile(latencies, 99)),
    requests: sum((s) => s.requests),
    ok: latencies.length,
    non_2xx: sum((s) => s.non2xx),
    server_errors: sum((s) => s.serverErrors),
    errors: sum((s) => s.errors),
    duration_s: round(duration, 1),
  };
}

/** One autocannon run. */
export async function cannon(opts: autocannon.Options): Promise<Sample> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  return {
    latencies,
    requests: result.requests.total,
    non2xx: result.non2xx,
    serverErrors: result['5xx'],
    errors: result.errors + result.timeouts,
    durationS: result.duration,
  };
}

/**
 * A against B: both warmed up, then A, B, B, A for half the duration each; between runs `settle`
 * (e.g. letting the indexer catch up) so that one run's after-effects do not land on the next.
 */
export async function abba(
  a: (seconds: number) => Promise<Sample>,
  b: (seconds: number) => Promise<Sample>,
  run: RunSettings,
  settle: () => Promise<unknown> = async () => {},
): Promise<[LoadResult, LoadResult]> {
  const half = run.durationS / 2;
  const step = async (side: typeof a, seconds: number) => {
    const sample = await side(seconds);
    await settle();
    return sample;
  };
  await step(a, run.warmupS);
  await step(b, run.warmupS);
  const a1 = await step(a, half);
  const b1 = await step(b, half);
  const b2 = await step(b, half);
  const a2 = await step(a, half);
  return [summarize([a1, a2]), summarize([b1, b2])];
}
