import type { Request, Response } from 'express';
import { isUuid } from '../../shared/api-shapes.ts';
import { fail } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { findBooking } from './bookings.repository.ts';
import { bookingView } from './booking-view.ts';
import { permission } from './booking-lifecycle.ts';

export const isBookingId = isUuid;

export function getBookingRoute(deps: CommandDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    const booking = isBookingId(id) ? await findBooking(deps.pool, id) : undefined;
    if (!booking || permission(req.principal!, booking, 'view') !== 'allowed') return sendFailure(res, fail('booking_not_found'));
    res.json(bookingView(booking));
  };
}
