import type { Request, Response } from 'express';
import { validate } from '../../shared/validation.ts';
import type { QueryDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { canonicalQuery, decodeCursor, searchQuerySchema } from './search-query.ts';
import { searchProfessionals } from './search-professionals.ts';

/** GET /search/professionals */
export function searchProfessionalsRoute(deps: QueryDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const input = validate(searchQuerySchema, req.query);
    if (!input.ok) return sendFailure(res, input);
    const q = input.value;
    const canonical = canonicalQuery(q);
    let after;
    if (q.cursor !== undefined) {
      const cursor = decodeCursor(q.cursor, canonical, q.sort);
      if (!cursor.ok) return sendFailure(res, cursor);
      after = cursor.value;
    }
    const result = await searchProfessionals(deps, q, canonical, after);
    if (!result.ok) return sendFailure(res, result);
    res.set('X-Cache', result.value.cache).type('application/json').send(result.value.body);
  };
}
