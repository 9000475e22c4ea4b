import { Client } from '@elastic/elasticsearch';

export type { Client as ElasticsearchClient };

export function createElasticsearchClient(opts: { url: string; requestTimeoutMs: number }): Client {
  return new Client({
    node: opts.url,
    requestTimeout: opts.requestTimeoutMs,
    maxRetries: 0,
    compression: false,
  });
}
