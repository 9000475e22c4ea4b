import type { Request, Response } from 'express';
import { Joi, validate } from '../../shared/validation.ts';
import type { QueryDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { getProfessional } from './get-professional.ts';

const params = Joi.object({
  id: Joi.string()
    .pattern(/^[A-Za-z0-9_-]{1,64}$/)
    .messages({ 'string.pattern.base': 'id must be 1–64 letters, digits, _ or -' }),
});

/** GET /search/professionals/:id */
export function getProfessionalRoute(deps: QueryDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const input = validate(params, req.params);
    if (!input.ok) return sendFailure(res, input);
    const result = await getProfessional(deps, input.value.id);
    if (!result.ok) return sendFailure(res, result);
    res.set('X-Cache', result.value.cache).type('application/json').send(result.value.body);
  };
}
