import { LRUCache } from 'lru-cache';
import type { Redis } from '../../shared/redis.ts';
import type { QueryMetrics } from '../metrics.ts';

/** Serialized response bodies by key. Reads never throw: a broken cache is a miss. */
export interface ResponseCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, body: string): void;
}

// Small on purpose: it only needs to hold the hot queries; Redis holds the rest.
const MEMORY_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Redis when configured (shared by every instance), else an in-process LRU; nothing at TTL 0.
 *
 * With Redis, an in-process near cache sits in front of it: a hot query is answered from memory instead
 * of a Redis round trip per request. Redis stores each body with its absolute expiry, and the near copy
 * expires at that same instant, so a body is never served longer than the TTL after Elasticsearch made it,
 * whichever instance made it. The near cache is only used while Redis is up: without Redis, search answers
 * uncached, as promised, rather than from whatever one instance happens to hold.
 *
 * Keys are prefixed with the index alias so that deployments (or test suites) sharing a Redis never mix.
 * While Redis is down the cache is skipped without a round trip: ioredis reports its state, and the
 * client has no offline queue, so nothing waits for a reconnect.
 */
export function createResponseCache(opts: { redis?: Redis; ttlSeconds: number; namespace: string; metrics: QueryMetrics }): ResponseCache {
  const { redis, metrics } = opts;
  const ttlMs = opts.ttlSeconds * 1000;
  if (ttlMs === 0) return { get: async () => undefined, set: () => {} };
  const memory = new LRUCache<string, string>({ maxSize: MEMORY_MAX_BYTES, sizeCalculation: (body) => body.length + 1, ttl: ttlMs });
  if (!redis) return { get: async (key) => memory.get(key), set: (key, body) => void memory.set(key, body) };

  const prefix = `search:${opts.namespace}:`;
  return {
    async get(key) {
      if (redis.status !== 'ready') return undefined;
      const near = memory.get(key);
      if (near !== undefined) return near;
      let stored: string | null;
      try {
        stored = await redis.get(prefix + key);
      } catch {
        metrics.cacheErrors.inc();
        return undefined;
      }
      if (stored === null) return undefined;
      // "<expires at, ms since the epoch>\n<body>"
      const newline = stored.indexOf('\n');
      const remainingMs = Number(stored.slice(0, newline)) - Date.now();
      if (!(remainingMs > 0)) return undefined;
      const body = stored.slice(newline + 1);
      memory.set(key, body, { ttl: remainingMs });
      return body;
    },
    set(key, body) {
      if (redis.status !== 'ready') return;
      memory.set(key, body);
      redis.set(prefix + key, `${Date.now() + ttlMs}\n${body}`, 'PX', ttlMs).catch(() => metrics.cacheErrors.inc());
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
