import type { Pool } from '../../shared/db/pool.ts';
import type { ElasticsearchClient } from '../../shared/elasticsearch.ts';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { buildProfessionalDocument } from './build-document.ts';
import { readSnapshotsByIds, withSnapshot } from './professional-snapshots.repository.ts';

export interface SyncDeps {
  pool: Pool;
  es: ElasticsearchClient;
  alias: string;
  horizonDays: number;
}

/** indexed: written; stale: Elasticsearch already holds this version or a newer one; removed: no such professional. */
export type SyncOutcome = { ok: true; result: 'indexed' | 'stale' | 'removed' } | { ok: false; error: string };

const DAY_MS = 86_400_000;
const BULK_TIMEOUT_MS = 10_000;

/**
 * Brings the documents of these professionals up to date from one PostgreSQL snapshot, in one bulk request.
 *
 * Ordering is left to Elasticsearch: each document carries `version: search_version` with
 * `version_type: external_gte`, so a write computed from an older snapshot is refused (409, reported as
 * `stale`, which is success: a newer version is already there). `external_gte` rather than `external`
 * because the same version must be rewritable: free ranges are clipped to [now, now + horizon), and the
 * periodic time refresh re-syncs a professional whose data (and so version) did not change. An equal
 * version always describes the same PostgreSQL state, so rewriting it only moves the time window.
 *
 * `require_alias` keeps a missing alias an error rather than letting Elasticsearch auto-create an index
 * with that name and a guessed mapping.
 */
export async function indexProfessionals(
  deps: SyncDeps,
  requested: readonly string[],
  opts: { refresh: boolean | 'wait_for'; now?: Date } = { refresh: false },
): Promise<{ outcomes: Map<string, SyncOutcome>; documents: Map<string, ProfessionalDocument> }> {
  const ids = [...new Set(requested)];
  const now = opts.now ?? new Date();
  const range = { from: now, to: new Date(now.getTime() + deps.horizonDays * DAY_MS) };
  const snapshots = await withSnapshot(deps.pool, (db) => readSnapshotsByIds(db, ids, range));
  const docs = snapshots.map((snapshot) => buildProfessionalDocument(snapshot, now, deps.horizonDays));
  // Professionals are never deleted by the command side; if a row is gone, so is its document.
  const documents = new Map(docs.map((doc) => [doc.id, doc]));
  const outcomes = await writeDocuments(
    deps,
    docs,
    ids.filter((id) => !documents.has(id)),
    opts.refresh,
  );
  return { outcomes, documents };
}

/** Writes documents (each at its search_version) and removes others, in one bulk request; one outcome per id. */
export async function writeDocuments(
  deps: Pick<SyncDeps, 'es' | 'alias'>,
  docs: readonly ProfessionalDocument[],
  removedIds: readonly string[],
  refresh: boolean | 'wait_for',
): Promise<Map<string, SyncOutcome>> {
  const operations: object[] = [];
  for (const doc of docs) {
    operations.push({ index: { _index: deps.alias, _id: doc.id, version: doc.search_version, version_type: 'external_gte' } }, doc);
  }
  for (const id of removedIds) operations.push({ delete: { _index: deps.alias, _id: id } });
  if (operations.length === 0) return new Map();
  const response = await deps.es.bulk(
    { operations, refresh, require_alias: true, filter_path: 'items.*._id,items.*.status,items.*.error' },
    { requestTimeout: BULK_TIMEOUT_MS },
  );
  const outcomes = new Map<string, SyncOutcome>();
  for (const item of response.items ?? []) {
    const [action, result] = Object.entries(item)[0]!;
    const id = result._id!;
    if (result.status === 409) outcomes.set(id, { ok: true, result: 'stale' });
    else if (action === 'delete' && (result.status === 200 || result.status === 404)) outcomes.set(id, { ok: true, result: 'removed' });
    else if (result.status === 200 || result.status === 201) outcomes.set(id, { ok: true, result: 'indexed' });
    else outcomes.set(id, { ok: false, error: `${result.status} ${result.error?.type ?? ''}: ${result.error?.reason ?? 'unknown error'}` });
  }
  for (const id of [...docs.map((doc) => doc.id), ...removedIds]) {
    if (!outcomes.has(id)) outcomes.set(id, { ok: false, error: 'no result from Elasticsearch' });
  }
  return outcomes;
}
