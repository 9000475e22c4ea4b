import type { estypes } from '@elastic/elasticsearch';
import { withTransaction } from '../../shared/db/pool.ts';
import { enqueueReadModelSync, QUEUES } from '../../shared/queue.ts';
import { readSearchVersionPage } from '../read-model/professional-snapshots.repository.ts';
import type { IndexerDeps } from '../deps.ts';
import { raiseSearchVersion, readSearchVersions } from './reconcile-read-model.repository.ts';
import { requestSyncs } from './read-model-sync.ts';

/**
 * Every minute (one indexer instance at a time: a singleton cron queue), the read model is compared with
 * PostgreSQL by `(id, search_version)` only: both sides are walked in id order, in pages, and joined.
 * What differs is looked at again after a short grace period (a sync may simply be in flight) and, if it
 * still differs, re-synced; the count is exported as `search_read_model_divergent_documents`. So whatever
 * made a document diverge (a lost job, a manual edit, an outage), it heals within about two minutes.
 * `npm run check-index` remains the tool that compares whole documents on demand.
 */
const CRON = '* * * * *';
const PAGE_SIZE = 5000;
const GRACE_MS = 2000;

export async function scheduleReconciliation(deps: IndexerDeps): Promise<void> {
  await deps.boss.work(QUEUES.readModelReconcile, async () => {
    await reconcileReadModel(deps);
  });
  await deps.boss.schedule(QUEUES.readModelReconcile, CRON);
}

interface Difference {
  id: string;
  /** PostgreSQL's search_version when compared, or undefined when the row is gone. */
  postgres: number | undefined;
}

export async function reconcileReadModel(deps: IndexerDeps, opts: { graceMs?: number; pageSize?: number } = {}): Promise<string[]> {
  try {
    const candidates = await compareVersions(deps, opts.pageSize ?? PAGE_SIZE);
    if (candidates.length > 0) await new Promise((resolve) => setTimeout(resolve, opts.graceMs ?? GRACE_MS));
    const divergent = await stillDivergent(deps, candidates);
    deps.metrics.divergentDocuments.set(divergent.length);
    deps.metrics.reconciliations.inc({ result: 'ok' });
    if (divergent.length > 0) {
      deps.logger.warn({ divergent: divergent.length, sample: divergent.slice(0, 20) }, 'read model diverged from PostgreSQL; re-syncing');
    }
    return divergent;
  } catch (err) {
    deps.metrics.reconciliations.inc({ result: 'failed' });
    deps.logger.warn({ err: (err as Error).message }, 'read model reconciliation failed; tried again next minute');
    throw err;
  }
}

/** A merge join of PostgreSQL's and the index's (id, version) lists, both in id order. */
async function compareVersions(deps: IndexerDeps, pageSize: number): Promise<Difference[]> {
  const differences: Difference[] = [];
  const indexed = indexedVersions(deps, pageSize);
  let next = await indexed.next();
  for (let after = ''; ;) {
    const page = await readSearchVersionPage(deps.pool, after, pageSize);
    for (const row of page) {
      while (!next.done && next.value.id < row.id) {
        differences.push({ id: next.value.id, postgres: undefined });
        next = await indexed.next();
      }
      if (!next.done && next.value.id === row.id) {
        if (next.value.version !== row.searchVersion) differences.push({ id: row.id, postgres: row.searchVersion });
        next = await indexed.next();
      } else differences.push({ id: row.id, postgres: row.searchVersion });
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.id;
  }
  for (; !next.done; next = await indexed.next()) differences.push({ id: next.value.id, postgres: undefined });
  return differences;
}

async function* indexedVersions(deps: IndexerDeps, pageSize: number): AsyncGenerator<{ id: string; version: number }> {
  let after: estypes.SortResults | undefined;
  for (;;) {
    const response = await deps.es.search({
      index: deps.config.elasticsearch.alias,
      size: pageSize,
      _source: false,
      version: true,
      sort: [{ id: 'asc' }],
      track_total_hits: false,
      ...(after ? { search_after: after } : {}),
      filter_path: ['hits.hits._id', 'hits.hits._version', 'hits.hits.sort'],
    });
    const hits = response.hits?.hits ?? [];
    for (const hit of hits) yield { id: hit._id!, version: hit._version! };
    if (hits.length < pageSize) return;
    after = hits[hits.length - 1]!.sort;
  }
}

/**
 * The differences that remain once in-flight syncs had time to land (read in real time, so a write that is
 * not yet refreshed counts), each re-synced: a document behind (or extra) gets a sync job; one ahead of
 * PostgreSQL (or missing) first has its search_version raised past it, so the sync can replace it.
 */
async function stillDivergent(deps: IndexerDeps, candidates: Difference[]): Promise<string[]> {
  if (candidates.length === 0) return [];
  const ids = candidates.map((c) => c.id);
  const { docs } = await deps.es.mget({ index: deps.config.elasticsearch.alias, ids, _source: false });
  const indexed = new Map<string, number>();
  for (const doc of docs) if ('found' in doc && doc.found) indexed.set(doc._id, doc._version!);
  const current = await readSearchVersions(deps.pool, ids);
  const behind: string[] = [];
  const ahead: Array<{ id: string; version: number }> = [];
  for (const { id, postgres } of candidates) {
    const version = indexed.get(id);
    const now = current.get(id);
    if (version === undefined && now === undefined) continue;
    // A document deleted by hand leaves a tombstone one version above it (for index.gc_deletes): go past it.
    if (version === undefined) ahead.push({ id, version: now! + 1 });
    else if (now === undefined)
      behind.push(id); // extra: the sync removes it
    else if (version > now) ahead.push({ id, version });
    else if (version < (postgres ?? now)) behind.push(id); // a version newer than the one compared is in flight: fine
  }
  for (const { id, version } of ahead) {
    await withTransaction(deps.pool, async (tx) => {
      await raiseSearchVersion(tx, id, version);
      await enqueueReadModelSync(deps.boss, tx, id);
    });
  }
  await requestSyncs(deps, behind);
  return [...behind, ...ahead.map((a) => a.id)];
}
