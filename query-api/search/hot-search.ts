import type { Request, Response } from 'express';
import { logRequest, requestIdOf, SECURITY_HEADERS } from '../../shared/http/base-app.ts';
import type { RateLimiter } from '../../shared/http/rate-limit.ts';
import { httpDurationHistogram } from '../../shared/metrics.ts';
import type { QueryDeps } from '../deps.ts';
import type { ParsedSearches } from './search-professionals.route.ts';
import { beyondSearchHorizon } from './search-query.ts';
import { CACHE_CONTROL } from './send-cached-answer.ts';

const PATH = '/search/professionals?';

/**
 * GET /search/professionals for a query this instance has seen and holds a current answer to in memory,
 * answered before Express: the same status, body and headers as the route (security headers, request
 * id, RateLimit, ETag, Cache-Control, X-Cache: HIT), the same log line and metrics, with everything that
 * does not depend on the request computed once. It takes only the plainest case and leaves anything
 * else to the app: another path or method, a query not parsed before or beyond the horizon now, no
 * current answer in memory, a conditional request (Express decides freshness), a rate-limit counter
 * that must first be read from Redis or a client at its limit.
 */
export function hotSearchPath(deps: QueryDeps, parsed: ParsedSearches, limiter: RateLimiter): (req: Request, res: Response) => boolean {
  const latency = httpDurationHistogram(deps.registry).labels({ method: 'GET', route: '/search/professionals', status: '200' });
  const hits = deps.metrics.cache.labels({ result: 'hit' });
  const fixedHeaders = [...SECURITY_HEADERS.flat(), 'Cache-Control', CACHE_CONTROL, 'X-Cache', 'HIT', 'Content-Type', 'application/json; charset=utf-8'];
  const { horizonDays } = deps.config.search;
  return (req, res) => {
    const started = performance.now();
    if (req.method !== 'GET' || !req.url.startsWith(PATH)) return false;
    const h = req.headers;
    if (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined || h['cache-control'] !== undefined) return false;
    const search = parsed.get(req.url);
    if (!search || beyondSearchHorizon(search.q, Date.now(), horizonDays).length > 0) return false;
    const answer = deps.cache.peek(search.key);
    if (!answer) return false;
    const rateLimit = limiter.countNow(req);
    if (!rateLimit) return false;
    const id = requestIdOf(req);
    res.writeHead(200, [...fixedHeaders, 'X-Request-Id', id, 'ETag', answer.etag, 'Content-Length', String(answer.bytes.length), ...rateLimit.flat()]);
    res.end(answer.bytes);
    hits.inc();
    const ms = performance.now() - started;
    latency.observe(ms / 1000);
    logRequest(deps.logger, id, req, req.url, 200, Math.round(ms));
    return true;
  };
}
