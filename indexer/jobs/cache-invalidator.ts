import { cacheLayout, EPOCH_TAG, GENERATION_TTL_MS } from '../../shared/search/cache-tags.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Redis } from '../../shared/redis.ts';

/** Tells every query-api instance which cached answers a searchable change made stale. */
export interface CacheInvalidator {
  /** Call only once the changed documents are searchable: an answer cached before that would be stale again. */
  invalidate(tags: readonly string[]): Promise<void>;
  close(): void;
}

// One atomic step: bump each tag's generation, then announce the new generations on the channel, so a
// near cache never hears of a generation Redis does not have yet.
const BUMP_SCRIPT = `
local parts = {}
for i, key in ipairs(KEYS) do
  parts[#parts + 1] = ARGV[i + 2]
  parts[#parts + 1] = redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1])
end
redis.call('PUBLISH', ARGV[2], table.concat(parts, ' '))
return #KEYS`;

const RETRY_MS = 1000;

function bump(redis: Redis, namespace: string, tags: readonly string[]) {
  const layout = cacheLayout(namespace);
  return redis.eval(BUMP_SCRIPT, tags.length, ...tags.map(layout.generation), GENERATION_TTL_MS, layout.channel, ...tags);
}

/** Invalidates every cached search answer of this namespace (after a reindex, say). */
export async function invalidateEverything(redis: Redis, namespace: string): Promise<void> {
  await bump(redis, namespace, [EPOCH_TAG]);
}

/**
 * Invalidations that cannot reach Redis are not queued one by one: the epoch tag (which every cached
 * answer carries) is bumped instead as soon as Redis answers again, so nothing cached before or during the
 * outage outlives it. The epoch is also owed at start-up, for whatever a previous process could not send
 * before it died. Without Redis there is no shared cache to invalidate (query-api caches for at most 1 s).
 */
export function createCacheInvalidator(opts: { redis?: Redis; namespace: string; logger: Logger; onError?: () => void }): CacheInvalidator {
  const { redis, logger } = opts;
  if (!redis) return { invalidate: async () => {}, close: () => {} };
  let epochOwed = true;

  const payEpoch = async () => {
    if (!epochOwed || redis.status !== 'ready') return;
    try {
      await invalidateEverything(redis, opts.namespace);
      epochOwed = false;
      logger.info('search cache epoch bumped: answers cached before now are no longer served');
    } catch {
      // still owed; tried again by the timer
    }
  };
  const timer = setInterval(() => void payEpoch(), RETRY_MS);
  timer.unref();
  void payEpoch();

  return {
    async invalidate(tags) {
      if (tags.length === 0) return;
      if (epochOwed) return payEpoch();
      try {
        if (redis.status !== 'ready') throw new Error(`redis ${redis.status}`);
        await bump(redis, opts.namespace, tags);
      } catch (err) {
        epochOwed = true;
        opts.onError?.();
        logger.warn({ err: (err as Error).message }, 'search cache invalidation failed; the whole cache is invalidated once Redis answers');
      }
    },
    close: () => clearInterval(timer),
  };
}
