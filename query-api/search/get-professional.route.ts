import type { Request, Response } from 'express';
import { professionalId } from '../../shared/api-shapes.ts';
import { Joi, validate } from '../../shared/validation.ts';
import type { QueryDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { getProfessional } from './get-professional.ts';
import { sendCachedAnswer } from './send-cached-answer.ts';

// the example is the demo professional (npm start seeds it; fuzzing creates it) so generated requests find one
export const getProfessionalParams = Joi.object({ id: professionalId().required().example('pro1') });

/** GET /search/professionals/:id */
export function getProfessionalRoute(deps: QueryDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const input = validate(getProfessionalParams, req.params);
    if (!input.ok) return sendFailure(res, input);
    const result = await getProfessional(deps, input.value.id);
    if (!result.ok) return sendFailure(res, result);
    sendCachedAnswer(req, res, result.value);
  };
}
