import type { Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { fail, type Failure } from '../../shared/errors.ts';
import { validate } from '../../shared/validation.ts';
import type { QueryDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { beyondSearchHorizon, crossFieldErrors, decodeCursor, searchQuerySchema } from './search-query.ts';
import { parsedSearch, searchProfessionals, type ParsedSearch } from './search-professionals.ts';
import { sendCachedAnswer } from './send-cached-answer.ts';

const PARSED_QUERIES = 2_000;

/**
 * Valid search query strings already parsed, by URL: the same query string always parses the same way,
 * and validating costs about a tenth of answering a cached query, so popular queries skip it.
 */
export type ParsedSearches = LRUCache<string, ParsedSearch>;
export const createParsedSearches = (): ParsedSearches => new LRUCache<string, ParsedSearch>({ max: PARSED_QUERIES });

/** GET /search/professionals */
export function searchProfessionalsRoute(deps: QueryDeps, parsed: ParsedSearches) {
  return async (req: Request, res: Response): Promise<void> => {
    let search = parsed.get(req.url);
    if (!search) {
      const result = parse(req.query);
      if (!result.ok) return sendFailure(res, result);
      search = result.value;
      parsed.set(req.url, search);
    }
    const beyond = beyondSearchHorizon(search.q, Date.now(), deps.config.search.horizonDays);
    if (beyond.length > 0) return sendFailure(res, fail('validation_error', beyond[0]!.message, beyond));
    const result = await searchProfessionals(deps, search);
    if (!result.ok) return sendFailure(res, result);
    sendCachedAnswer(req, res, result.value);
  };
}

function parse(query: unknown): { ok: true; value: ParsedSearch } | Failure<'validation_error'> {
  const input = validate(searchQuerySchema, query);
  if (!input.ok) return input;
  const q = input.value;
  const errors = crossFieldErrors(q);
  if (errors.length > 0) return fail('validation_error', errors[0]!.message, errors);
  const search = parsedSearch(q, undefined);
  if (q.cursor === undefined) return { ok: true, value: search };
  const cursor = decodeCursor(q.cursor, search.canonical, q.sort);
  return cursor.ok ? { ok: true, value: { ...search, after: cursor.value } } : cursor;
}
