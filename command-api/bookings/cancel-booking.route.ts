import type { Request, Response } from 'express';
import { fail } from '../../shared/errors.ts';
import { validate } from '../../shared/validation.ts';
import { cancelBookingBody } from './booking.schemas.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { bookingView } from './booking-view.ts';
import { cancelBooking } from './cancel-booking.ts';
import { isBookingId } from './get-booking.route.ts';

export function cancelBookingRoute(deps: CommandDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    if (!isBookingId(id)) return sendFailure(res, fail('booking_not_found'));
    const input = validate(cancelBookingBody, req.body ?? {});
    if (!input.ok) return sendFailure(res, input);
    const result = await cancelBooking(deps, req.principal!, id, input.value.reason ?? null);
    if (!result.ok) return sendFailure(res, result);
    res.json(bookingView(result.value));
  };
}
