import { Router, type Request, type Response } from 'express';
import { requireAuth } from '../../shared/auth.ts';
import { fail } from '../../shared/errors.ts';
import { isProfessionalId, isUuid } from '../../shared/api-shapes.ts';
import { validate } from '../../shared/validation.ts';
import { availabilityBody, createProfessionalBody, patchProfessionalBody } from './professional.schemas.ts';
import { jsonBody } from '../../shared/http/base-app.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import type { Availability, ProfessionalChanges, ProfessionalFields } from './professionals.repository.ts';
import { professionalView } from './professional-view.ts';
import { addAvailability, changeProfessional, createProfessional, generateProfessionalId, mayManage, removeAvailability } from './manage-professionals.ts';

const MAX_WINDOW_DAYS = 31;

type Fields = {
  name: string;
  category: string;
  rate_per_minute: number;
  currency: string;
  lat: number;
  long: number;
  travel_modes: ProfessionalFields['travelModes'];
  time_zone: string;
  active: boolean;
  cancellation_policy: Array<{ hours_before: number; refund_percent: number }>;
};

function toFields(b: Partial<Fields>): ProfessionalChanges {
  return {
    name: b.name,
    category: b.category,
    ratePerMinute: b.rate_per_minute,
    currency: b.currency,
    lat: b.lat,
    long: b.long,
    travelModes: b.travel_modes,
    timeZone: b.time_zone,
    active: b.active,
    cancellationPolicy: b.cancellation_policy?.map((t) => ({ hoursBefore: t.hours_before, refundPercent: t.refund_percent })),
  };
}

function availabilityView(a: Availability) {
  return { id: a.id, professional_id: a.professionalId, start_time: a.startTime.toISOString(), end_time: a.endTime.toISOString() };
}

export function professionalsRouter(deps: CommandDeps): Router {
  const router = Router();
  const json = jsonBody();
  const auth = requireAuth(deps.verifyToken);

  router.post('/professionals', requireAuth(deps.verifyToken, ['admin']), json, async (req: Request, res: Response) => {
    const input = validate(createProfessionalBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const { id, ...rest } = input.value as Fields & { id?: string };
    const result = await createProfessional(deps, id ?? generateProfessionalId(), { ...(toFields(rest) as ProfessionalFields), active: true });
    if (!result.ok) return sendFailure(res, result);
    res.status(201).location(`/professionals/${result.value.id}`).json(professionalView(result.value));
  });

  router.patch('/professionals/:id', auth, json, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!isProfessionalId(id)) return sendFailure(res, fail('professional_not_found'));
    if (!mayManage(req.principal!, id)) return sendFailure(res, fail('forbidden', 'Only an admin or this professional can change it.'));
    const input = validate(patchProfessionalBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const result = await changeProfessional(deps, req.principal!, id, toFields(input.value as Partial<Fields>));
    if (!result.ok) return sendFailure(res, result);
    res.json(professionalView(result.value));
  });

  router.post('/professionals/:id/availabilities', auth, json, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!isProfessionalId(id)) return sendFailure(res, fail('professional_not_found'));
    if (!mayManage(req.principal!, id)) return sendFailure(res, fail('forbidden', 'Only an admin or this professional can change its availability.'));
    const input = validate(availabilityBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const start = input.value.start_time as unknown as Date;
    const end = input.value.end_time as unknown as Date;
    if (end.getTime() <= start.getTime()) {
      return sendFailure(
        res,
        fail('validation_error', 'end_time must be after start_time', [{ field: 'end_time', message: 'end_time must be after start_time' }]),
      );
    }
    if (end.getTime() - start.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
      const message = `a window may last at most ${MAX_WINDOW_DAYS} days`;
      return sendFailure(res, fail('validation_error', message, [{ field: 'end_time', message }]));
    }
    const result = await addAvailability(deps, req.principal!, id, start, end);
    if (!result.ok) return sendFailure(res, result);
    res.status(201).json(availabilityView(result.value));
  });

  router.delete('/professionals/:id/availabilities/:availabilityId', auth, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const availabilityId = String(req.params.availabilityId);
    if (!isProfessionalId(id) || !isUuid(availabilityId)) return sendFailure(res, fail('availability_not_found'));
    const result = await removeAvailability(deps, req.principal!, id, availabilityId);
    if (!result.ok) return sendFailure(res, result);
    res.status(204).end();
  });

  return router;
}
