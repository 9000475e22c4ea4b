import type { ElasticsearchClient } from '../../shared/elasticsearch.ts';
import type { Logger } from '../../shared/logger.ts';

const CHECK_EVERY_MS = 10_000;
const CHECK_TIMEOUT_MS = 2000;

export interface IndexFeatures {
  /** Every document behind the alias carries geo_cells (its index was built with them). */
  geoCells(): boolean;
  close(): void;
}

/**
 * What the documents behind the alias can be searched by: the `_meta` features of the index (or indices)
 * it points to, read at start and every 10 s, since a reindex may swap in an index built with more. An
 * index from before a feature is searched without it, never wrongly with it.
 */
export async function watchIndexFeatures(es: ElasticsearchClient, alias: string, logger: Logger): Promise<IndexFeatures> {
  let geoCells: boolean | undefined;
  const check = async () => {
    try {
      const mappings = Object.values(await es.indices.getMapping({ index: alias }, { requestTimeout: CHECK_TIMEOUT_MS }));
      const next = mappings.length > 0 && mappings.every((m) => (m.mappings._meta as { geo_cells?: unknown } | undefined)?.geo_cells === true);
      if (next !== geoCells) {
        if (next) logger.info('searching by geo cells');
        else logger.warn(`the index behind ${alias} has no geo cells: searching without them (slower) until \`npm run reindex\``);
      }
      geoCells = next;
    } catch {
      // no alias yet, or Elasticsearch away: keep what was known
    }
  };
  await check();
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  timer.unref();
  return { geoCells: () => geoCells === true, close: () => clearInterval(timer) };
}
