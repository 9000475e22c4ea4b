import type { Request, Response } from 'express';
import { fail } from '../../shared/errors.ts';
import { validate } from '../../shared/validation.ts';
import type { CommandDeps } from '../deps.ts';
import { idempotencyDeps, readIdempotencyKey, respondIdempotently } from '../idempotency/idempotent-request.ts';
import { failureResponse, sendFailure } from '../problems.ts';
import { rescheduleBookingBody } from './booking.schemas.ts';
import { bookingView } from './booking-view.ts';
import { isBookingId } from './get-booking.route.ts';
import { rescheduleBooking } from './reschedule-booking.ts';

export function rescheduleBookingRoute(deps: CommandDeps, opts: { idempotencyLockSeconds: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const key = readIdempotencyKey(req);
    if (!key.ok) return sendFailure(res, key);
    const id = String(req.params.id);
    if (!isBookingId(id)) return sendFailure(res, fail('booking_not_found'));
    const input = validate(rescheduleBookingBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const principal = req.principal!;
    await respondIdempotently(idempotencyDeps(deps, opts.idempotencyLockSeconds), req, res, principal.sub, key.key, async () => {
      const result = await rescheduleBooking(deps, principal, id, input.value.start_time);
      if (!result.ok) return failureResponse(result);
      return { status: 200, body: bookingView(result.value) };
    });
  };
}
