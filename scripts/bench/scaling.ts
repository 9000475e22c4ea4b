/**
 * The scaling curve: uncached search at several data set sizes, one point per run (the full bench records
 * its own size; `--scale-point N` measures one more). Points live in bench-results/scaling.json, the newest
 * per size, and are copied into latest.json's `scaling` whenever either is written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScalingPoint } from './charts.ts';
import type { Dataset } from './dataset.ts';
import type { LoadResult } from './measure.ts';

const FILE = 'scaling.json';

export function scalingPoint(ds: Dataset, uncached: LoadResult, esDirect: LoadResult, oneClient: LoadResult, indexBytes: number): ScalingPoint {
  return {
    professionals: ds.professionals,
    req_s: uncached.rps,
    p50_ms: uncached.p50_ms,
    p90_ms: uncached.p90_ms,
    p99_ms: uncached.p99_ms,
    es_req_s: esDirect.rps,
    es_p50_ms: esDirect.p50_ms,
    es_p99_ms: esDirect.p99_ms,
    one_client_p50_ms: oneClient.p50_ms,
    one_client_p99_ms: oneClient.p99_ms,
    index_bytes: indexBytes,
    load_s: Math.round(ds.load_ms / 100) / 10,
    index_s: Math.round(ds.reindex_ms / 100) / 10,
    measured_at: new Date().toISOString(),
  };
}

/** The recorded points with this one added (replacing an older point of the same size), smallest first. */
export function recordScalingPoint(dir: string, point: ScalingPoint): ScalingPoint[] {
  const points = [...readScaling(dir).filter((p) => p.professionals !== point.professionals), point].sort((a, b) => a.professionals - b.professionals);
  writeFileSync(path.join(dir, FILE), `${JSON.stringify(points, null, 2)}\n`);
  return points;
}

export function readScaling(dir: string): ScalingPoint[] {
  const file = path.join(dir, FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScalingPoint[]) : [];
}

/** Primary store size of the index behind the alias, bytes. */
export async function indexBytes(esUrl: string, alias: string): Promise<number> {
  const stats = (await fetch(`${esUrl}/${alias}/_stats/store`).then((r) => r.json())) as { _all?: { primaries?: { store?: { size_in_bytes?: number } } } };
  return stats._all?.primaries?.store?.size_in_bytes ?? Number.NaN;
}
