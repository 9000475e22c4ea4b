import type { IndexerDeps } from '../deps.ts';

/** Registers the indexer's search-sync workers. */
export async function startIndexerWorkers(_deps: IndexerDeps): Promise<void> {}
