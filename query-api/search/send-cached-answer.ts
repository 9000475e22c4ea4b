import type { Request, Response } from 'express';
import type { CacheStatus } from './response-cache.ts';

/**
 * How long a shared cache (a CDN) or a browser may reuse an answer without asking again: the freshness
 * contract allows an answer about 1 s old at most, so no longer than that.
 */
const MAX_AGE_S = 1;
export const CACHE_CONTROL = `public, max-age=${MAX_AGE_S}`;

/**
 * Sends a search answer with its entity tag (computed once, when the body was made), or 304 without a
 * body when the request's If-None-Match already names it.
 */
export function sendCachedAnswer(req: Request, res: Response, answer: { body: string; etag: string; cache: CacheStatus }): void {
  res.set({ 'X-Cache': answer.cache, ETag: answer.etag, 'Cache-Control': CACHE_CONTROL });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(answer.body);
}
