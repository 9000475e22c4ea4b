/**
 * Search against its limits, at a fixed concurrency:
 * - uncached: every request a query never seen before (the coordinates vary), through query-api with its
 *   Redis cache on (so each one is a real miss: cache read, Elasticsearch, cache write), against the very
 *   same Elasticsearch request sent straight to `_search`. (SEARCH_CACHE_TTL_S=0 would not be honest: the
 *   single-flight layer still coalesces identical concurrent requests.)
 * - cached: one repeated query (a Redis hit each time) against a bare Express endpoint, in a child process
 *   of its own, sending a body of the same bytes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../shared/logger.ts';
import { validate } from '../../shared/validation.ts';
import { createRuntime } from '../../query-api/main.ts';
import { parsedSearch, searchProfessionals } from '../../query-api/search/search-professionals.ts';
import { searchCellTerms } from '../../query-api/search/professionals-read-model.ts';
import { searchQuerySchema } from '../../query-api/search/search-query.ts';
import { freePort } from '../local-stack/ports.ts';
import { prng } from '../seed.ts';
import { CITIES, professionalId, type Dataset } from './dataset.ts';
import { abba, cannon, describe, round, summarize, type LoadResult, type RunSettings } from './measure.ts';
import type { BenchSystem } from './system.ts';

export interface SearchResults {
  uncached: LoadResult & { cache_hit_ratio: number };
  es_direct: LoadResult;
  /** uncached, one request at a time: latency without queueing */
  uncached_one_client: LoadResult;
  cached: LoadResult & { cache_hit_ratio: number };
  express_bare: LoadResult;
  /** GET /search/professionals/:id/slots over 7 days for a different professional each time (never cached) */
  slots: LoadResult;
  /** size of the cached answer, and of the bare endpoint's */
  body_bytes: number;
  example_query: string;
}

interface Coordinates {
  lat: string;
  long: string;
}

// Sentinel coordinates: the captured Elasticsearch body is a template in which they are replaced.
const SENTINEL = { lat: '1.23456', long: '2.34567' };
const JITTER_DEG = 0.1;

/** The uncached comparison alone: the same fresh queries through query-api and straight to Elasticsearch. */
export async function benchUncachedSearch(
  system: BenchSystem,
  ds: Dataset,
  run: RunSettings,
  log: (msg: string) => void,
): Promise<{ uncached: SearchResults['uncached']; es_direct: LoadResult; one_client: LoadResult; apiPath: (c: Coordinates) => string }> {
  // Everyone free for an hour on a day no phase books: the availability filter is part of the query.
  const fixed = {
    location_radius_km: '10',
    category: 'plumber',
    rate_per_minute: '400',
    travel_mode: 'car',
    start_time: new Date(ds.firstDay + 6 * 86_400_000 + 10 * 3_600_000).toISOString(),
    duration_minutes: '60',
    limit: '20',
  };
  const apiPath = (c: Coordinates) => `/search/professionals?${new URLSearchParams({ lat: c.lat, long: c.long, ...fixed })}`;
  const es = await captureElasticsearchRequest(system, { ...SENTINEL, ...fixed });
  // The query's geo cells follow its coordinates too.
  const cellsOf = (c: Coordinates) =>
    JSON.stringify(searchCellTerms({ lat: Number(c.lat), long: Number(c.long), location_radius_km: 10, category: fixed.category }));
  if (!es.body.includes(cellsOf(SENTINEL))) throw new Error(`the captured Elasticsearch body does not carry the query's geo cells: ${es.body}`);
  const esBody = (c: Coordinates) => es.body.split(cellsOf(SENTINEL)).join(cellsOf(c)).split(SENTINEL.lat).join(c.lat).split(SENTINEL.long).join(c.long);
  await sanityCheck(system, apiPath(coordinates(1)()), es, esBody(coordinates(1)()), log);

  // A fresh seed for every run: Elasticsearch's caches never see a measured query twice.
  let seed = 100;
  const esRun = (seconds: number) => {
    const next = coordinates(seed++);
    return load(system.esUrl, run, [{ method: 'POST', path: es.path, headers: es.headers, setupRequest: (req) => ({ ...req, body: esBody(next()) }) }])(
      seconds,
    );
  };
  const apiRun = (seconds: number) => {
    const next = coordinates(seed++);
    return load(system.urls.query_api, run, [{ method: 'GET', setupRequest: (req) => ({ ...req, path: apiPath(next()) }) }])(seconds);
  };

  // A fresh JVM answers several times slower until the JIT has compiled the search path.
  log(`search: warming Elasticsearch up (${3 * run.warmupS} s)`);
  await esRun(2 * run.warmupS);
  await apiRun(run.warmupS);
  log('search: uncached, through query-api vs the same requests straight to Elasticsearch');
  const before = await cacheCounts(system);
  const [uncached, esDirect] = await abba(apiRun, esRun, run);
  const uncachedHits = hitRatio(before, await cacheCounts(system));
  log(`  query-api ${describe(uncached)}, cache hit ratio ${uncachedHits}`);
  log(`  Elasticsearch ${describe(esDirect)}`);
  // Latency without queueing: at concurrency 16 on two cores, p50 is mostly the wait for a free core.
  const next = coordinates(seed++);
  const oneClient = summarize([
    await cannon({
      url: system.urls.query_api,
      connections: 1,
      duration: run.durationS,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: apiPath(next()) }) }],
    }),
  ]);
  log(`  query-api, one client at a time: ${describe(oneClient)}`);
  return { uncached: { ...uncached, cache_hit_ratio: uncachedHits }, es_direct: esDirect, one_client: oneClient, apiPath };
}

const load = (url: string, run: RunSettings, requests: Parameters<typeof cannon>[0]['requests']) => (seconds: number) =>
  cannon({ url, connections: run.connections, duration: seconds, requests });

export async function benchSearch(system: BenchSystem, ds: Dataset, run: RunSettings, log: (msg: string) => void): Promise<SearchResults> {
  const { uncached, es_direct: esDirect, one_client: oneClient, apiPath } = await benchUncachedSearch(system, ds, run, log);

  const hotPath = apiPath({ lat: String(CITIES[0].lat), long: String(CITIES[0].long) });
  await fetch(system.urls.query_api + hotPath).then((r) => r.text()); // fills the cache
  const body = await fetch(system.urls.query_api + hotPath).then((r) => r.text());
  const bodyFile = path.join(system.dir, 'cached-body.json');
  writeFileSync(bodyFile, body);
  const port = await freePort();
  const bareUrl = await system.launch('express_bare', 'scripts/bench/bare-express.ts', { ...process.env, BODY_FILE: bodyFile, PORT: String(port) }, port);

  log(`search: hot cache through query-api vs the same ${Buffer.byteLength(body)} bytes from bare Express`);
  const hotBefore = await cacheCounts(system);
  const [cached, bare] = await abba(
    load(system.urls.query_api, run, [{ method: 'GET', path: hotPath }]),
    load(bareUrl, run, [{ method: 'GET', path: hotPath }]),
    run,
  );
  const cachedHits = hitRatio(hotBefore, await cacheCounts(system));
  log(`  query-api ${describe(cached)}, cache hit ratio ${cachedHits}`);
  log(`  bare Express ${describe(bare)}`);

  log('search: slots of one professional over 7 days (read model, computed per request)');
  let slotsSeed = 0;
  const slotsPath = () => {
    const id = professionalId(slotsSeed++ % ds.professionals);
    const q = new URLSearchParams({
      from: new Date(ds.firstDay).toISOString(),
      to: new Date(ds.firstDay + 7 * 86_400_000).toISOString(),
      duration_minutes: '60',
    });
    return `/search/professionals/${id}/slots?${q}`;
  };
  const slots = summarize([await load(system.urls.query_api, run, [{ method: 'GET', setupRequest: (req) => ({ ...req, path: slotsPath() }) }])(run.durationS)]);
  log(`  query-api ${describe(slots)}`);

  return {
    slots,
    uncached,
    es_direct: esDirect,
    uncached_one_client: oneClient,
    cached: { ...cached, cache_hit_ratio: cachedHits },
    express_bare: bare,
    body_bytes: Buffer.byteLength(body),
    example_query: hotPath,
  };
}

/** Unique coordinates around the cities in turn, the same sequence for the same seed. */
function coordinates(seed: number): () => Coordinates {
  const random = prng(seed);
  let i = 0;
  return () => {
    const city = CITIES[i++ % CITIES.length]!;
    return {
      lat: String(Number((city.lat + (random() - 0.5) * 2 * JITTER_DEG).toFixed(5))),
      long: String(Number((city.long + (random() - 0.5) * 2 * JITTER_DEG).toFixed(5))),
    };
  };
}

interface CapturedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The exact Elasticsearch request query-api sends for these parameters (path, query string with
 * filter_path and friends, headers, body), captured from the client's diagnostic events while query-api's
 * own search code runs in this process against the real node.
 */
async function captureElasticsearchRequest(system: BenchSystem, params: Record<string, string>): Promise<CapturedRequest> {
  const input = validate(searchQuerySchema, params);
  if (!input.ok) throw new Error(`bench search query is invalid: ${JSON.stringify(input)}`);
  const config = { ...system.config, redisUrl: undefined, search: { ...system.config.search, cacheTtlSeconds: 0 } };
  const runtime = await createRuntime(config, { logger: createLogger({ name: 'bench-capture', level: 'silent' }) });
  let captured: CapturedRequest | undefined;
  runtime.deps.es.diagnostic.on('request', (_err, result) => {
    const p = result?.meta.request.params as
      { method: string; path: string; querystring?: string; body?: string; headers?: Record<string, string> } | undefined;
    if (!p || captured) return;
    const headers = Object.fromEntries(Object.entries(p.headers ?? {}).filter(([name]) => !['content-length', 'user-agent'].includes(name.toLowerCase())));
    captured = { path: p.querystring ? `${p.path}?${p.querystring}` : p.path, headers, body: String(p.body ?? '') };
  });
  try {
    const result = await searchProfessionals(runtime.deps, parsedSearch(input.value, undefined));
    if (!result.ok) throw new Error(`capturing the Elasticsearch request failed: ${result.code}`);
  } finally {
    await runtime.close();
  }
  if (!captured?.body.includes(SENTINEL.lat) || !captured.body.includes(SENTINEL.long)) {
    throw new Error(`the captured Elasticsearch body does not carry the query's coordinates: ${captured?.body}`);
  }
  return captured;
}

/** One request each way before measuring: both must answer 200 with results, or the comparison means nothing. */
async function sanityCheck(system: BenchSystem, apiPath: string, es: CapturedRequest, esBody: string, log: (msg: string) => void): Promise<void> {
  const api = await fetch(system.urls.query_api + apiPath);
  const apiJson = (await api.json()) as { data?: unknown[] };
  const direct = await fetch(system.esUrl + es.path, { method: 'POST', headers: es.headers, body: esBody });
  const directJson = (await direct.json()) as { hits?: { hits?: unknown[] } };
  if (api.status !== 200 || direct.status !== 200) throw new Error(`search sanity check failed: query-api ${api.status}, Elasticsearch ${direct.status}`);
  log(
    `search: ${apiJson.data?.length ?? 0} rows from query-api, ${directJson.hits?.hits?.length ?? 0} hits from Elasticsearch for the first query; ES request ${es.path}`,
  );
}

async function cacheCounts(system: BenchSystem): Promise<Record<string, number>> {
  const text = await fetch(`${system.urls.query_api}/metrics`).then((r) => r.text());
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^search_cache_total\{result="(\w+)"[^}]*\} (\d+)/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

/** Share of lookups in the window answered without Elasticsearch (hits and coalesced followers). */
function hitRatio(before: Record<string, number>, after: Record<string, number>): number {
  const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const total = delta('hit') + delta('miss') + delta('coalesced');
  return total === 0 ? 0 : round((delta('hit') + delta('coalesced')) / total, 4);
}
