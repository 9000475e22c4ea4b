import { Client } from '@elastic/elasticsearch';

export type { Client as ElasticsearchClient };

/**
 * The client's own timeout is a ceiling that no per-request `requestTimeout` can exceed (the HTTP
 * pool enforces it), so it is set to the longest operation any process runs (bulk loads during a
 * reindex). Latency-sensitive calls pass `requestTimeout` (ELASTICSEARCH_TIMEOUT_MS) themselves.
 */
const LONGEST_REQUEST_MS = 120_000;

/** `url` may list several nodes of one cluster, comma separated: requests go round them, skipping dead ones. */
export function createElasticsearchClient(opts: { url: string }): Client {
  return new Client({
    nodes: opts.url.split(','),
    requestTimeout: LONGEST_REQUEST_MS,
    maxRetries: 0,
    compression: false,
  });
}
