import { rateLimit, type ClientRateLimitInfo, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Request, RequestHandler } from 'express';
import type { Redis } from '../redis.ts';
import type { Logger } from '../logger.ts';
import { problem, sendProblem } from '../errors.ts';

/**
 * A Redis store that survives Redis being down: the request is let through (availability over
 * strict limits) and the Lua scripts are loaded again, since a load that failed at start-up or a
 * Redis restart would otherwise leave the store failing for good.
 */
class ResilientRedisStore extends RedisStore {
  private lastWarning = 0;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    super({ prefix, sendCommand: (...args: string[]) => redis.call(args[0]!, ...args.slice(1)) as Promise<RedisReply> });
  }

  override async init(options: Parameters<RedisStore['init']>[0]): Promise<void> {
    await super.init(options).catch(() => this.reloadScripts());
  }

  override async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      return await super.increment(key);
    } catch (err) {
      this.reloadScripts();
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: (err as Error).message }, 'rate limiting suspended: Redis unavailable');
      }
      return { totalHits: 1, resetTime: new Date(Date.now() + this.windowMs) };
    }
  }

  private reloadScripts(): void {
    this.incrementScriptSha = this.loadIncrementScript();
    this.getScriptSha = this.loadGetScript();
    this.incrementScriptSha.catch(() => {});
    this.getScriptSha.catch(() => {});
  }
}

/**
 * Per-client limits with the standard RateLimit headers. Counters live in Redis when there is one,
 * so every instance shares them.
 */
export function createRateLimiter(opts: { name: string; perMinute: number; logger: Logger; redis?: Redis; key?: (req: Request) => string }): RequestHandler {
  const store: Store | undefined = opts.redis ? new ResilientRedisStore(opts.redis, `rl:${opts.name}:`, opts.logger) : undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: opts.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    ...(opts.key ? { keyGenerator: opts.key } : {}),
    handler: (req, res, _next, options) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      sendProblem(res, {
        ...problem(429, 'rate_limited', `Too many requests; the limit is ${options.limit} per minute.`),
        headers: { 'Retry-After': String(seconds) },
      });
    },
  });
}
