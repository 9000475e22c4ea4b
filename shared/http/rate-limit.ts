import { createHash } from 'node:crypto';
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { LRUCache } from 'lru-cache';
import type { Redis } from '../redis.ts';
import type { Logger } from '../logger.ts';
import { problem, sendProblem } from '../errors.ts';

const SYNC_INTERVAL_MS = 100;

interface WindowCount {
  /** Hits in this window as Redis last reported them, all instances together. */
  shared: number;
  /** Hits counted here and not yet added to Redis. */
  unsynced: number;
  resetTime: number;
}

/**
 * Fixed-window counters shared across instances through Redis, without a Redis round trip on the
 * request path: hits are counted in memory and added to Redis in one pipelined call every 100 ms,
 * which answers with the instances' combined totals. A client can thus overshoot its limit by at
 * most what the other instances let through in 100 ms. While Redis is down each instance goes on
 * limiting with its own counts and catches up when Redis returns.
 */
export class SharedWindowStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private readonly counts = new Map<string, WindowCount>();
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  private lastWarning = 0;

  private readonly redis: Redis;
  readonly prefix: string;
  private readonly logger: Logger;

  constructor(redis: Redis, prefix: string, logger: Logger) {
    this.redis = redis;
    this.prefix = prefix;
    this.logger = logger;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.timer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  /** The Redis key of a client's counter in the current window, and when that window started. */
  private windowKey(key: string): [string, number] {
    const windowStart = Math.floor(Date.now() / this.windowMs) * this.windowMs;
    return [`${this.prefix}${key}:${windowStart}`, windowStart];
  }

  /** The window's counter; the first hit of a client in a window reads what other instances counted. */
  private async entry(key: string): Promise<[string, WindowCount]> {
    const [redisKey, windowStart] = this.windowKey(key);
    let count = this.counts.get(redisKey);
    if (!count) {
      count = { shared: 0, unsynced: 0, resetTime: windowStart + this.windowMs };
      this.counts.set(redisKey, count);
      if (this.redis.status === 'ready') {
        count.shared = Number(await this.redis.get(redisKey).catch(() => 0)) || 0;
      }
    }
    return [redisKey, count];
  }

  /**
   * Counts a hit at once, without the middleware, when this window's counter is already here and the hit
   * stays within `limit`; otherwise counts nothing and returns undefined.
   */
  countNow(key: string, limit: number): ClientRateLimitInfo | undefined {
    const c = this.counts.get(this.windowKey(key)[0]);
    if (!c || c.shared + c.unsynced >= limit) return undefined;
    c.unsynced += 1;
    return { totalHits: c.shared + c.unsynced, resetTime: new Date(c.resetTime) };
  }

  async get(key: string): Promise<ClientRateLimitInfo> {
    const [, c] = await this.entry(key);
    return { totalHits: c.shared + c.unsynced, resetTime: new Date(c.resetTime) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const [, c] = await this.entry(key);
    c.unsynced += 1;
    return { totalHits: c.shared + c.unsynced, resetTime: new Date(c.resetTime) };
  }

  async decrement(key: string): Promise<void> {
    const [, c] = await this.entry(key);
    c.unsynced -= 1;
  }

  async resetKey(key: string): Promise<void> {
    const [redisKey] = await this.entry(key);
    this.counts.delete(redisKey);
    await this.redis.del(redisKey).catch(() => {});
  }

  shutdown(): void {
    clearInterval(this.timer);
  }

  /** Adds the unsynced hits to Redis and learns the combined totals, in one round trip. */
  async sync(): Promise<void> {
    if (this.syncing) return;
    const now = Date.now();
    const batch: Array<[string, WindowCount, number]> = [];
    for (const [redisKey, c] of this.counts) {
      if (c.resetTime <= now) this.counts.delete(redisKey);
      else batch.push([redisKey, c, c.unsynced]);
    }
    if (batch.length === 0 || this.redis.status !== 'ready') return;
    this.syncing = true;
    try {
      const pipeline = this.redis.pipeline();
      for (const [redisKey, , n] of batch) pipeline.incrby(redisKey, n).pexpire(redisKey, this.windowMs * 2);
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach(([, c, n], i) => {
        const [err, total] = replies[i * 2] ?? [new Error('no reply')];
        if (err) return;
        // Redis's total now includes these n hits; hits counted since the pipeline left stay unsynced.
        c.unsynced -= n;
        c.shared = Number(total);
      });
    } catch (err) {
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: (err as Error).message }, 'rate-limit counters not shared: Redis unavailable');
      }
    } finally {
      this.syncing = false;
    }
  }
}

const WINDOW_MS = 60_000;

export type RateLimiter = RequestHandler & {
  /**
   * For a path answered outside Express: counts the client's request and returns the RateLimit headers
   * the middleware would have sent, when that needs no wait (the client's counter for this window is in
   * memory and under the limit); undefined otherwise, with nothing counted: let the middleware decide.
   */
  countNow(req: Request): Array<[string, string]> | undefined;
};

/** Per-client limits with the standard RateLimit headers; counters shared through Redis when there is one. */
export function createRateLimiter(opts: { name: string; perMinute: number; logger: Logger; redis?: Redis }): RateLimiter {
  const store = opts.redis ? new SharedWindowStore(opts.redis, `rl:${opts.name}:`, opts.logger) : undefined;
  const middleware = rateLimit({
    windowMs: WINDOW_MS,
    limit: opts.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    handler: (req, res, _next, options) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      sendProblem(res, {
        ...problem(429, 'rate_limited', `Too many requests; the limit is ${String(options.limit)} per minute.`),
        headers: { 'Retry-After': String(seconds) },
      });
    },
  });
  // Per client address: express-rate-limit's default key (IPv6 by /56) and its draft-8 policy header.
  const policyName = `"${opts.perMinute}-in-1min"`;
  const clients = new LRUCache<string, { key: string; policy: string }>({ max: 10_000 });
  const clientOf = (req: Request) => {
    const ip = req.ip ?? '';
    let client = clients.get(ip);
    if (client === undefined) {
      const key = ipKeyGenerator(ip, 56);
      const partitionKey = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
      client = { key, policy: `${policyName}; q=${opts.perMinute}; w=${WINDOW_MS / 1000}; pk=:${partitionKey}:` };
      clients.set(ip, client);
    }
    return client;
  };
  const countNow = (req: Request): Array<[string, string]> | undefined => {
    if (!store) return undefined;
    const { key, policy } = clientOf(req);
    const info = store.countNow(key, opts.perMinute);
    if (!info) return undefined;
    const remaining = Math.max(0, opts.perMinute - info.totalHits);
    const resetS = Math.max(0, Math.ceil((info.resetTime!.getTime() - Date.now()) / 1000));
    return [
      ['RateLimit', `${policyName}; r=${remaining}; t=${resetS}`],
      ['RateLimit-Policy', policy],
    ];
  };
  // The common case (a client seen this window, under its limit) without express-rate-limit's awaits and
  // hashing; the first request of a window and a client at its limit go through it.
  const limiter: RequestHandler = (req, res, next) => {
    const headers = countNow(req);
    if (!headers) return void middleware(req, res, next);
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
  return Object.assign(limiter, { countNow });
}
