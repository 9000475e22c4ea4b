import express, { Router, type Request, type Response } from 'express';
import { requireAuth } from '../../shared/auth.ts';
import { fail } from '../../shared/errors.ts';
import type { StoredOverride } from '../../shared/schedules/stored-schedule.ts';
import { validate } from '../../shared/validation.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { mayManage } from '../professionals/manage-professionals.ts';
import { getSchedule, putOverride, removeOverride, replaceSchedule, type ScheduleView } from './manage-schedule.ts';
import { overrideBody, overrideParams, scheduleBody, type ScheduleBody } from './schedule.schemas.ts';

const SLUG = /^[A-Za-z0-9_-]{1,64}$/;
const FORBIDDEN = 'Only an admin or this professional can change its schedule.';

function scheduleView(s: ScheduleView) {
  return {
    time_zone: s.timeZone,
    weekly: s.weekly.map(({ day, start, end }) => ({ day, start, end })),
    buffer_before_minutes: s.rules.bufferBeforeMinutes,
    buffer_after_minutes: s.rules.bufferAfterMinutes,
    minimum_notice_minutes: s.rules.minimumNoticeMinutes,
    booking_horizon_days: s.rules.bookingHorizonDays,
    slot_step_minutes: s.rules.slotStepMinutes,
    overrides: s.overrides,
  };
}

export function schedulesRouter(deps: CommandDeps): Router {
  const router = Router();
  const json = express.json({ limit: '100kb' });
  const auth = requireAuth(deps.verifyToken);

  router.get('/professionals/:id/schedule', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!SLUG.test(id)) return sendFailure(res, fail('professional_not_found'));
    const result = await getSchedule(deps, id);
    if (!result.ok) return sendFailure(res, result);
    res.json(scheduleView(result.value));
  });

  router.put('/professionals/:id/schedule', auth, json, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!SLUG.test(id)) return sendFailure(res, fail('professional_not_found'));
    if (!mayManage(req.principal!, id)) return sendFailure(res, fail('forbidden', FORBIDDEN));
    const input = validate(scheduleBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const b = input.value as ScheduleBody;
    const result = await replaceSchedule(
      deps,
      req.principal!,
      id,
      b.weekly,
      {
        bufferBeforeMinutes: b.buffer_before_minutes,
        bufferAfterMinutes: b.buffer_after_minutes,
        minimumNoticeMinutes: b.minimum_notice_minutes,
        bookingHorizonDays: b.booking_horizon_days,
        slotStepMinutes: b.slot_step_minutes,
      },
      b.time_zone,
    );
    if (!result.ok) return sendFailure(res, result);
    res.json(scheduleView(result.value));
  });

  router.put('/professionals/:id/schedule/overrides/:date', auth, json, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!SLUG.test(id)) return sendFailure(res, fail('professional_not_found'));
    if (!mayManage(req.principal!, id)) return sendFailure(res, fail('forbidden', FORBIDDEN));
    const params = validate(overrideParams, req.params);
    if (!params.ok) return sendFailure(res, params);
    const input = validate(overrideBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const override: StoredOverride = {
      date: params.value.date,
      intervals: (input.value as StoredOverride).intervals.map(({ start, end }) => ({ start, end })),
    };
    const result = await putOverride(deps, req.principal!, id, override);
    if (!result.ok) return sendFailure(res, result);
    res.json(result.value);
  });

  router.delete('/professionals/:id/schedule/overrides/:date', auth, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!SLUG.test(id)) return sendFailure(res, fail('professional_not_found'));
    if (!mayManage(req.principal!, id)) return sendFailure(res, fail('forbidden', FORBIDDEN));
    const params = validate(overrideParams, req.params);
    if (!params.ok) return sendFailure(res, params);
    const result = await removeOverride(deps, req.principal!, id, params.value.date);
    if (!result.ok) return sendFailure(res, result);
    res.status(204).end();
  });

  return router;
}
