/**
 * npm run check-index: compares PostgreSQL (the truth) with the search index and prints every
 * difference: documents missing or extra, stale versions, and fields that differ from what the
 * professional's data gives. Exit code 1 when anything differs.
 *
 * A document is compared with the document rebuilt from PostgreSQL *as of its indexed_at*: at the same
 * search_version the data is the same, so anything that differs is a real fault, not the clock.
 * Differences can be transient (a sync in flight), so they are re-checked for a few seconds before
 * being reported.
 */
import { loadConfig } from '../shared/config.ts';
import { createPool, type Pool } from '../shared/db/pool.ts';
import { createElasticsearchClient, type ElasticsearchClient } from '../shared/elasticsearch.ts';
import { isEntryPoint } from '../shared/process.ts';
import { type ProfessionalDocument } from '../shared/search/professional-document.ts';
import { buildProfessionalDocument, type ProfessionalSnapshot } from '../indexer/read-model/build-document.ts';
import { readSnapshotPage, readSnapshotsByIds, withSnapshot, type TimeRange } from '../indexer/read-model/professional-snapshots.repository.ts';

export interface CheckIndexDeps {
  pool: Pool;
  es: ElasticsearchClient;
  alias: string;
  horizonDays: number;
}

export type IndexDifference =
  | { kind: 'missing'; id: string }
  | { kind: 'extra'; id: string }
  | { kind: 'stale'; id: string; indexedVersion: number; currentVersion: number }
  | { kind: 'mismatch'; id: string; fields: Array<{ field: string; indexed: unknown; expected: unknown }> };

export interface CheckIndexOptions {
  /** How long transient differences are re-checked before being reported (ms). */
  settleMs?: number;
  pageSize?: number;
}

const DAY_MS = 86_400_000;
const RECHECK_EVERY_MS = 250;
const COMPARED_FIELDS = [
  'id',
  'name',
  'category',
  'rate_per_minute',
  'currency',
  'location',
  'travel_modes',
  'time_zone',
  'active',
  'free_ranges',
  'next_free_start',
] as const;

export async function checkIndex(deps: CheckIndexDeps, opts: CheckIndexOptions = {}): Promise<IndexDifference[]> {
  const pageSize = opts.pageSize ?? 1000;
  // Documents are rebuilt as of their indexed_at, up to a horizon ago: read what that can touch.
  const now = Date.now();
  const range: TimeRange = { from: new Date(now - deps.horizonDays * DAY_MS), to: new Date(now + deps.horizonDays * DAY_MS) };

  const inPostgres = new Set<string>();
  let differences: IndexDifference[] = [];
  await withSnapshot(deps.pool, async (db) => {
    for (let after = ''; ;) {
      const page = await readSnapshotPage(db, after, pageSize, range);
      for (const s of page) inPostgres.add(s.id);
      differences.push(
        ...(await compare(
          deps,
          page.map((s) => s.id),
          page,
        )),
      );
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.id;
    }
  });
  for await (const doc of deps.es.helpers.scrollDocuments<{ id: string }>({ index: deps.alias, size: 1000, _source: ['id'], sort: ['_doc'] })) {
    if (!inPostgres.has(doc.id)) differences.push({ kind: 'extra', id: doc.id });
  }

  const deadline = Date.now() + (opts.settleMs ?? 5000);
  while (differences.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, RECHECK_EVERY_MS));
    const ids = differences.map((d) => d.id);
    differences = await compare(deps, ids, await withSnapshot(deps.pool, (db) => readSnapshotsByIds(db, ids, range)));
  }
  return differences;
}

/** Differences for these ids between their PostgreSQL snapshots and their documents. */
async function compare(deps: CheckIndexDeps, ids: string[], snapshots: ProfessionalSnapshot[]): Promise<IndexDifference[]> {
  if (ids.length === 0) return [];
  const { docs } = await deps.es.mget<ProfessionalDocument>({ index: deps.alias, ids });
  const indexed = new Map<string, ProfessionalDocument>();
  for (const doc of docs) if ('found' in doc && doc.found && doc._source) indexed.set(doc._id, doc._source);
  const bySnapshot = new Map(snapshots.map((s) => [s.id, s]));
  const differences: IndexDifference[] = [];
  for (const id of ids) {
    const snapshot = bySnapshot.get(id);
    const doc = indexed.get(id);
    if (!snapshot && doc) differences.push({ kind: 'extra', id });
    else if (snapshot && !doc) differences.push({ kind: 'missing', id });
    else if (snapshot && doc) {
      if (doc.search_version !== snapshot.searchVersion) {
        differences.push({ kind: 'stale', id, indexedVersion: doc.search_version, currentVersion: snapshot.searchVersion });
        continue;
      }
      const expected = buildProfessionalDocument(snapshot, new Date(doc.indexed_at), deps.horizonDays);
      const fields = COMPARED_FIELDS.filter((f) => JSON.stringify(doc[f]) !== JSON.stringify(expected[f])).map((field) => ({
        field,
        indexed: doc[field],
        expected: expected[field],
      }));
      if (fields.length > 0) differences.push({ kind: 'mismatch', id, fields });
    }
  }
  return differences;
}

export function describeDifference(d: IndexDifference): string {
  switch (d.kind) {
    case 'missing':
      return `missing   ${d.id}: in PostgreSQL, not in the index`;
    case 'extra':
      return `extra     ${d.id}: in the index, not in PostgreSQL`;
    case 'stale':
      return `stale     ${d.id}: indexed search_version ${d.indexedVersion}, PostgreSQL has ${d.currentVersion}`;
    case 'mismatch':
      return `mismatch  ${d.id}: ${d.fields.map((f) => `${f.field} indexed ${JSON.stringify(f.indexed)}, expected ${JSON.stringify(f.expected)}`).join('; ')}`;
  }
}

async function main(): Promise<number> {
  const config = loadConfig(process.env, 'script');
  const pool = createPool(config.database, 'check-index');
  const es = createElasticsearchClient(config.elasticsearch);
  try {
    const differences = await checkIndex({ pool, es, alias: config.elasticsearch.alias, horizonDays: config.search.horizonDays });
    for (const d of differences) process.stdout.write(`${describeDifference(d)}\n`);
    process.stdout.write(differences.length === 0 ? 'No differences between PostgreSQL and the index.\n' : `${differences.length} differences.\n`);
    return differences.length === 0 ? 0 : 1;
  } finally {
    await pool.end();
    await es.close();
  }
}

if (isEntryPoint(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`check-index failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
