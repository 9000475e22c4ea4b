import { LRUCache } from 'lru-cache';
import type { Redis } from '../../shared/redis.ts';
import type { QueryMetrics } from '../metrics.ts';

/** Serialized response bodies by key. Reads never throw: a broken cache is a miss. */
export interface ResponseCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, body: string): void;
}

const MEMORY_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Redis when configured (shared by every instance), else an in-process LRU; nothing at TTL 0.
 * Keys are prefixed with the index alias so that deployments (or test suites) sharing a Redis never mix.
 * While Redis is down the cache is skipped without a round trip: ioredis reports its state, and the
 * client has no offline queue, so nothing waits for a reconnect.
 */
export function createResponseCache(opts: { redis?: Redis; ttlSeconds: number; namespace: string; metrics: QueryMetrics }): ResponseCache {
  const { redis, ttlSeconds, metrics } = opts;
  const prefix = `search:${opts.namespace}:`;
  if (ttlSeconds === 0) return { get: async () => undefined, set: () => {} };
  if (!redis) {
    const lru = new LRUCache<string, string>({ maxSize: MEMORY_MAX_BYTES, sizeCalculation: (body) => body.length + 1, ttl: ttlSeconds * 1000 });
    return { get: async (key) => lru.get(key), set: (key, body) => void lru.set(key, body) };
  }
  return {
    async get(key) {
      if (redis.status !== 'ready') return undefined;
      try {
        return (await redis.get(prefix + key)) ?? undefined;
      } catch {
        metrics.cacheErrors.inc();
        return undefined;
      }
    },
    set(key, body) {
      if (redis.status !== 'ready') return;
      redis.set(prefix + key, body, 'EX', ttlSeconds).catch(() => metrics.cacheErrors.inc());
    },
  };
}

export type CacheStatus = 'HIT' | 'MISS';

/**
 * Cache-aside with single flight: concurrent requests for one key share one cache read and, on a miss,
 * one fill (one Elasticsearch query) per instance. Followers are answered from the leader's result, so
 * they report HIT. A fill that yields undefined (e.g. not found) is not cached; a failing fill fails
 * every waiter and caches nothing.
 */
export function createSingleFlightCache(cache: ResponseCache, metrics: QueryMetrics) {
  const inFlight = new Map<string, Promise<{ body: string | undefined; cache: CacheStatus }>>();
  return async function cached(key: string, fill: () => Promise<string | undefined>): Promise<{ body: string | undefined; cache: CacheStatus }> {
    const pending = inFlight.get(key);
    if (pending) {
      metrics.cache.inc({ result: 'coalesced' });
      const { body } = await pending;
      return { body, cache: 'HIT' };
    }
    const load = (async () => {
      const hit = await cache.get(key);
      if (hit !== undefined) {
        metrics.cache.inc({ result: 'hit' });
        return { body: hit, cache: 'HIT' as const };
      }
      metrics.cache.inc({ result: 'miss' });
      const body = await fill();
      if (body !== undefined) cache.set(key, body);
      return { body, cache: 'MISS' as const };
    })();
    inFlight.set(key, load);
    try {
      return await load;
    } finally {
      inFlight.delete(key);
    }
  };
}

export type SingleFlightCache = ReturnType<typeof createSingleFlightCache>;
