import type { Request, Response } from 'express';
import { fail } from '../../shared/errors.ts';
import { isoInstant, Joi, validate } from '../../shared/validation.ts';
import type { QueryDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { getProfessionalParams } from './get-professional.route.ts';
import { professionalSlots, type SlotsQuery } from './professional-slots.ts';

const MAX_SLOTS_SPAN_DAYS = 31;

export const slotsParams = getProfessionalParams;

export const slotsQuerySchema = Joi.object<SlotsQuery>({
  from: isoInstant().required().description('ISO 8601 instant with offset'),
  to: isoInstant().required().description(`ISO 8601 instant with offset; after \`from\`, at most ${MAX_SLOTS_SPAN_DAYS} days after it`),
  duration_minutes: Joi.number().integer().min(15).max(480).multiple(5).required().description('15–480, a multiple of 5'),
}).required();

/** GET /search/professionals/:id/slots?from&to&duration_minutes */
export function professionalSlotsRoute(deps: QueryDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const params = validate(slotsParams, req.params);
    if (!params.ok) return sendFailure(res, params);
    const input = validate(slotsQuerySchema, req.query);
    if (!input.ok) return sendFailure(res, input);
    const q = input.value;
    const span = q.to.getTime() - q.from.getTime();
    if (span <= 0 || span > MAX_SLOTS_SPAN_DAYS * 86_400_000) {
      const message = span <= 0 ? 'to must be after from' : `to may be at most ${MAX_SLOTS_SPAN_DAYS} days after from`;
      return sendFailure(res, fail('validation_error', message, [{ field: 'to', message }]));
    }
    const result = await professionalSlots(deps, params.value.id, q);
    if (!result.ok) return sendFailure(res, result);
    res.json(result.value);
  };
}
