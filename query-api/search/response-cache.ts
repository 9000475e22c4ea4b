import { LRUCache } from 'lru-cache';
import { cacheLayout } from '../../shared/search/cache-tags.ts';
import type { Redis } from '../../shared/redis.ts';
import type { QueryMetrics } from '../metrics.ts';

/**
 * The generations of a cached answer's tags, read before the answer was computed (in tag order; '' for a
 * tag never bumped). An answer is served only while its tags still have these generations.
 */
interface Stamp {
  generations: readonly string[];
  /** The near cache's subscription at that moment; a fill that outlived it is not kept in memory. */
  subscription: number;
}

/** Serialized response bodies by key and tags. Reads never throw: a broken cache is a miss. */
export interface ResponseCache {
  /** The body if cached and still current; otherwise the stamp a fill started now must be stored with. */
  get(key: string, tags: readonly string[]): Promise<{ body: string } | { body?: undefined; stamp: Stamp | undefined }>;
  set(key: string, tags: readonly string[], stamp: Stamp | undefined, body: string): void;
  close(): void;
}

// Small on purpose: it only needs to hold the hot queries; Redis holds the rest.
const MEMORY_MAX_BYTES = 8 * 1024 * 1024;
// Without Redis nothing can tell this instance that a document changed: keep answers no longer than this.
const UNSHARED_TTL_MS = 1000;

interface NearEntry {
  body: string;
  tags: readonly string[];
  generations: readonly string[];
}

/**
 * Redis when configured (shared by every instance), else a short-lived in-process LRU; nothing at TTL 0.
 *
 * Freshness comes from invalidation, not from the TTL (a backstop): once the indexer has made a changed
 * document searchable, it bumps the generation of every tag the change touched (shared/search/cache-tags.ts)
 * and publishes the new generations. An answer is stamped with its tags' generations as read *before* it
 * was computed, so an answer computed from the old document is never served after the bump, even when it
 * is stored after it. Redis entries are checked against the generations in the same round trip as the
 * read; the in-process near cache in front of Redis checks against the generations this instance has heard
 * of on the channel, and is emptied whenever the subscription was interrupted (announcements may have been
 * missed) and skipped while it is.
 *
 * While Redis is down the cache is skipped without a round trip (no offline queue), and search answers
 * uncached, as promised.
 */
export function createResponseCache(opts: { redis?: Redis; ttlSeconds: number; namespace: string; metrics: QueryMetrics }): ResponseCache {
  const { redis, metrics } = opts;
  const ttlMs = opts.ttlSeconds * 1000;
  if (ttlMs === 0) return { get: async () => ({ stamp: undefined }), set: () => {}, close: () => {} };
  if (!redis) {
    const memory = new LRUCache<string, string>({ maxSize: MEMORY_MAX_BYTES, sizeCalculation: (b) => b.length + 1, ttl: Math.min(ttlMs, UNSHARED_TTL_MS) });
    return {
      get: async (key) => {
        const body = memory.get(key);
        return body === undefined ? { stamp: undefined } : { body };
      },
      set: (key, _tags, _stamp, body) => void memory.set(key, body),
      close: () => {},
    };
  }

  const layout = cacheLayout(opts.namespace);
  const near = new LRUCache<string, NearEntry>({ maxSize: MEMORY_MAX_BYTES, sizeCalculation: (e) => e.body.length + 64 * e.tags.length, ttl: ttlMs });
  /** The newest generation this instance heard of, per tag, since its subscription last (re)started. */
  const heard = new Map<string, number>();
  // Subscribed by hand on every (re)connection: the near cache is trusted only once the SUBSCRIBE is
  // confirmed, since announcements made before that are lost.
  const subscriber = redis.duplicate({ autoResubscribe: false });
  subscriber.on('error', () => {}); // the main client logs Redis outages
  let subscribed = false;
  // Bumped whenever the subscription starts or breaks: a fill that spans one stores nothing in memory.
  let subscription = 0;
  subscriber.on('ready', () => {
    subscriber.subscribe(layout.channel).then(
      () => {
        subscription++;
        near.clear();
        heard.clear();
        subscribed = true;
      },
      () => subscriber.disconnect(true),
    );
  });
  subscriber.on('close', () => {
    subscribed = false;
    subscription++;
  });
  subscriber.on('message', (_channel: string, message: string) => {
    const parts = message.split(' ');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const generation = Number(parts[i + 1]);
      if (generation > (heard.get(parts[i]!) ?? 0)) heard.set(parts[i]!, generation);
    }
  });
  const nearUsable = () => subscribed;
  const nearCurrent = (entry: NearEntry) =>
    entry.tags.every((tag, i) => {
      const latest = heard.get(tag);
      return latest === undefined || latest <= Number(entry.generations[i] || 0);
    });

  return {
    async get(key, tags) {
      if (redis.status !== 'ready') return { stamp: undefined };
      if (nearUsable()) {
        const entry = near.get(key);
        if (entry && nearCurrent(entry)) return { body: entry.body };
      }
      let stored: string | null;
      let generations: (string | null)[];
      try {
        const results = await redis
          .pipeline()
          .get(layout.entry(key))
          .mget(...tags.map(layout.generation))
          .exec();
        if (!results || results.some(([err]) => err)) throw new Error('cache read failed');
        stored = results[0]![1] as string | null;
        generations = results[1]![1] as (string | null)[];
      } catch {
        metrics.cacheErrors.inc();
        return { stamp: undefined };
      }
      const stamp = { generations: generations.map((g) => g ?? ''), subscription };
      if (stored === null) return { stamp };
      // "<expires at, ms since the epoch>\n<stamp, space separated>\n<body>"
      const first = stored.indexOf('\n');
      const second = stored.indexOf('\n', first + 1);
      const remainingMs = Number(stored.slice(0, first)) - Date.now();
      if (!(remainingMs > 0) || stored.slice(first + 1, second) !== stamp.generations.join(' ')) return { stamp };
      const body = stored.slice(second + 1);
      if (nearUsable() && stamp.subscription === subscription) near.set(key, { body, tags, generations: stamp.generations }, { ttl: remainingMs });
      return { body };
    },
    set(key, tags, stamp, body) {
      if (redis.status !== 'ready' || stamp === undefined) return;
      const expiresAt = Date.now() + ttlMs;
      redis.set(layout.entry(key), `${expiresAt}\n${stamp.generations.join(' ')}\n${body}`, 'PX', ttlMs).catch(() => metrics.cacheErrors.inc());
      if (nearUsable() && stamp.subscription === subscription) near.set(key, { body, tags, generations: stamp.generations });
    },
    close: () => subscriber.disconnect(),
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
  return async function cached(
    key: string,
    tags: readonly string[],
    fill: () => Promise<string | undefined>,
  ): Promise<{ body: string | undefined; cache: CacheStatus }> {
    const pending = inFlight.get(key);
    if (pending) {
      metrics.cache.inc({ result: 'coalesced' });
      const { body } = await pending;
      return { body, cache: 'HIT' };
    }
    const load = (async () => {
      const found = await cache.get(key, tags);
      if (found.body !== undefined) {
        metrics.cache.inc({ result: 'hit' });
        return { body: found.body, cache: 'HIT' as const };
      }
      metrics.cache.inc({ result: 'miss' });
      const body = await fill();
      if (body !== undefined) cache.set(key, tags, found.stamp, body);
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
