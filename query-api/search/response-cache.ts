import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A serialized response body and its entity tag, computed once when the body is made. */
export interface CachedBody {
  body: string;
  etag: string;
}

/** A strong entity tag: the body's digest (bytes are cached and sent as they are). */
export const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** A current answer held in this instance's memory, with its body encoded once for every response that sends it. */
export interface HeldAnswer extends CachedBody {
  bytes: Buffer;
}

/** The right to fill a key, held by one instance at a time (a short Redis lock). */
export interface FillLock {
  token: string;
  release(): void;
}

/** What a read finds when there is no current answer. */
export interface Miss {
  body?: undefined;
  /** The generations a fill started now must be stored with; undefined when nothing can be stored. */
  stamp: Stamp | undefined;
  /**
   * The lock taken in the same step as the read, for this instance to fill; `busy` while another holds it;
   * undefined when there is no shared cache to coordinate through (fill without it).
   */
  lock: FillLock | 'busy' | undefined;
}

/** Serialized response bodies by key and tags. Reads never throw: a broken cache is a miss. */
export interface ResponseCache {
  /**
   * The answer this instance holds in memory, when it is current by what this instance knows, without
   * waiting for anything; undefined otherwise (getOrClaim() then asks the shared cache).
   */
  peek(key: string): HeldAnswer | undefined;
  /** The body if cached and still current; otherwise, in the same round trip, the right to fill it if free. */
  getOrClaim(key: string, tags: readonly string[]): Promise<CachedBody | Miss>;
  /** Stores the body and releases the lock (in one step); resolves once done or failed, never rejects. */
  set(key: string, tags: readonly string[], stamp: Stamp | undefined, entry: CachedBody, lock?: FillLock): Promise<void>;
  close(): void;
}

// Small on purpose: it only needs to hold the hot queries; Redis holds the rest.
const MEMORY_MAX_BYTES = 8 * 1024 * 1024;
// Without Redis nothing can tell this instance that a document changed: keep answers no longer than this.
const UNSHARED_TTL_MS = 1000;

interface NearEntry extends CachedBody {
  tags: readonly string[];
  generations: readonly string[];
  bytes?: Buffer;
}

/** The entry with its body encoded, once. */
function held(entry: CachedBody & { bytes?: Buffer }): HeldAnswer {
  entry.bytes ??= Buffer.from(entry.body);
  return entry as HeldAnswer;
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
  const unshared = { close: () => {} };
  const uncoordinated: Miss = { stamp: undefined, lock: undefined };
  if (ttlMs === 0) return { ...unshared, peek: () => undefined, getOrClaim: async () => uncoordinated, set: async () => {} };
  if (!redis) {
    const memory = new LRUCache<string, CachedBody & { bytes?: Buffer }>({
      maxSize: MEMORY_MAX_BYTES,
      // the body once as a string, once encoded
      sizeCalculation: (e) => 2 * e.body.length + 64,
      ttl: Math.min(ttlMs, UNSHARED_TTL_MS),
    });
    return {
      ...unshared,
      peek: (key) => {
        const entry = memory.get(key);
        return entry && held(entry);
      },
      getOrClaim: async (key) => memory.get(key) ?? uncoordinated,
      set: async (key, _tags, _stamp, entry) => void memory.set(key, entry),
    };
  }

  const layout = cacheLayout(opts.namespace);
  const near = new LRUCache<string, NearEntry>({ maxSize: MEMORY_MAX_BYTES, sizeCalculation: (e) => 2 * e.body.length + 64 * e.tags.length, ttl: ttlMs });
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

  const peek = (key: string): HeldAnswer | undefined => {
    if (redis.status !== 'ready' || !nearUsable()) return undefined;
    const entry = near.get(key);
    return entry && nearCurrent(entry) ? held(entry) : undefined;
  };

  const lockOf = (key: string, token: string): FillLock => ({
    token,
    // only our own lock: once it has lapsed, another instance may hold the key's lock
    release: () => void redis.eval(RELEASE_LOCK, 1, layout.lock(key), token).catch(() => {}),
  });

  return {
    peek,
    async getOrClaim(key, tags) {
      if (redis.status !== 'ready') return uncoordinated;
      const current = peek(key);
      if (current) return current;
      const token = randomUUID();
      let reply: [string | null, string?, number?];
      try {
        const keys = [layout.entry(key), layout.lock(key), ...tags.map(layout.generation)];
        reply = (await redis.eval(READ_OR_CLAIM, keys.length, ...keys, token, FILL_LOCK_MS)) as typeof reply;
      } catch {
        metrics.cacheErrors.inc();
        return uncoordinated;
      }
      const [stored, generations, claimed] = reply;
      if (stored === null) {
        const stamp = { generations: tags.length === 0 ? [] : generations!.split(' '), subscription };
        return { stamp, lock: claimed === 1 ? lockOf(key, token) : 'busy' };
      }
      // "<expires at, ms since the epoch>\n<stamp, space separated>\n<etag>\n<body>", its stamp current (the script checked)
      const first = stored.indexOf('\n');
      const second = stored.indexOf('\n', first + 1);
      const third = stored.indexOf('\n', second + 1);
      const entry = { etag: stored.slice(second + 1, third), body: stored.slice(third + 1) };
      const remainingMs = Number(stored.slice(0, first)) - Date.now();
      if (remainingMs > 0 && nearUsable()) near.set(key, { ...entry, tags, generations: stored.slice(first + 1, second).split(' ') }, { ttl: remainingMs });
      return entry;
    },
    async set(key, tags, stamp, entry, lock) {
      if (redis.status !== 'ready' || stamp === undefined) return lock?.release();
      const expiresAt = Date.now() + ttlMs;
      if (nearUsable() && stamp.subscription === subscription) near.set(key, { ...entry, tags, generations: stamp.generations });
      const value = `${expiresAt}\n${stamp.generations.join(' ')}\n${entry.etag}\n${entry.body}`;
      await redis.eval(STORE_AND_RELEASE, 2, layout.entry(key), layout.lock(key), value, ttlMs, lock?.token ?? '').then(
        () => {},
        () => metrics.cacheErrors.inc(),
      );
    },
    close: () => subscriber.disconnect(),
  };
}

/**
 * A fill's lock outlives a search at the usual timeouts (ELASTICSEARCH_TIMEOUT_MS, 1.5 s by default); a
 * fill that takes longer only lets another instance fill too, and a dead filler blocks no one for long.
 */
const FILL_LOCK_MS = 5000;
/** How long an instance waits for another's fill before it asks Elasticsearch itself. */
const FILL_WAIT_MS = 1000;
const FILL_POLL_MS = 10;
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/**
 * KEYS: entry, lock, the tags' generations; ARGV: lock token, lock ms. The entry when its stamp matches the
 * generations now, else { false, the generations now, 1 if the lock was free and is now ours }: a miss
 * costs one round trip, and no instance can store between the read and the claim.
 */
const READ_OR_CLAIM = `
local stamp = {}
if #KEYS > 2 then
  local generations = redis.call('MGET', unpack(KEYS, 3))
  for i = 1, #generations do stamp[i] = generations[i] or '' end
end
stamp = table.concat(stamp, ' ')
local entry = redis.call('GET', KEYS[1])
if entry then
  local a = string.find(entry, '\\n', 1, true)
  local b = a and string.find(entry, '\\n', a + 1, true)
  if b and string.sub(entry, a + 1, b - 1) == stamp then return { entry } end
end
local claimed = redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX')
return { false, stamp, claimed and 1 or 0 }`;
/** KEYS: entry, lock; ARGV: value, ttl ms, lock token ('' for none). Stores, then releases the lock if still ours. */
const STORE_AND_RELEASE = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;

export type CacheStatus = 'HIT' | 'MISS';
export type CachedAnswer = { body: string; etag: string; cache: CacheStatus } | { body: undefined; etag?: undefined; cache: CacheStatus };

/**
 * Cache-aside with single flight: concurrent requests for one key share one cache read and, on a miss,
 * one fill (one Elasticsearch query), across instances too. In an instance, followers share the leader's
 * result. Between instances, a short Redis lock per key picks the one that fills; the others poll the
 * entry through the normal read (which checks its stamp against the current generations) until it
 * appears, and fill themselves if the lock is released without a current entry, or after FILL_WAIT_MS,
 * or when Redis cannot be asked. Everyone but the filler reports HIT.
 * A fill that yields undefined (e.g. not found) is not cached; a failing fill fails every waiter in its
 * instance and caches nothing.
 */
export function createSingleFlightCache(cache: ResponseCache, metrics: QueryMetrics) {
  const inFlight = new Map<string, Promise<CachedAnswer>>();

  async function load(key: string, tags: readonly string[], fill: () => Promise<string | undefined>): Promise<CachedAnswer> {
    let found = await cache.getOrClaim(key, tags);
    if (found.body !== undefined) {
      metrics.cache.inc({ result: 'hit' });
      return { ...found, cache: 'HIT' };
    }
    const waitUntil = Date.now() + FILL_WAIT_MS;
    while (found.lock === 'busy' && Date.now() < waitUntil) {
      await sleep(FILL_POLL_MS);
      found = await cache.getOrClaim(key, tags);
      if (found.body !== undefined) {
        metrics.cache.inc({ result: 'coalesced' });
        return { ...found, cache: 'HIT' };
      }
    }
    return fillAndStore(key, tags, found.stamp, fill, found.lock === 'busy' ? undefined : found.lock);
  }

  /** Fills with the stamp read before the fill; the lock goes once the entry is stored, or at once when nothing is. */
  async function fillAndStore(
    key: string,
    tags: readonly string[],
    stamp: Stamp | undefined,
    fill: () => Promise<string | undefined>,
    lock: FillLock | undefined,
  ): Promise<CachedAnswer> {
    metrics.cache.inc({ result: 'miss' });
    let body: string | undefined;
    try {
      body = await fill();
    } catch (err) {
      lock?.release();
      throw err;
    }
    if (body === undefined) {
      lock?.release();
      return { body, cache: 'MISS' };
    }
    const entry = { body, etag: etagOf(body) };
    void cache.set(key, tags, stamp, entry, lock);
    return { ...entry, cache: 'MISS' };
  }

  return Object.assign(
    async function cached(key: string, tags: readonly string[], fill: () => Promise<string | undefined>): Promise<CachedAnswer> {
      const pending = inFlight.get(key);
      if (pending) {
        metrics.cache.inc({ result: 'coalesced' });
        return { ...(await pending), cache: 'HIT' };
      }
      const loading = load(key, tags, fill);
      inFlight.set(key, loading);
      try {
        return await loading;
      } finally {
        inFlight.delete(key);
      }
    },
    { peek: (key: string) => cache.peek(key) },
  );
}

export type SingleFlightCache = ReturnType<typeof createSingleFlightCache>;
