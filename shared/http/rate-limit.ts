import { rateLimit, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Request, RequestHandler } from 'express';
import type { Redis } from '../redis.ts';
import { problem, sendProblem } from '../errors.ts';

/**
 * Per-client limits with the standard RateLimit headers. Counters live in Redis when there is one,
 * so every instance shares them; a Redis outage lets requests through rather than failing them.
 */
export function createRateLimiter(opts: { name: string; perMinute: number; redis?: Redis; key?: (req: Request) => string }): RequestHandler {
  const store: Store | undefined = opts.redis
    ? new RedisStore({
        prefix: `rl:${opts.name}:`,
        sendCommand: (...args: string[]) => opts.redis!.call(args[0]!, ...args.slice(1)) as Promise<RedisReply>,
      })
    : undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: opts.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
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
