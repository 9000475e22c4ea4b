import type { Request, Response } from 'express';
import { isUuid } from '../../shared/api-shapes.ts';
import type { Principal } from '../../shared/auth.ts';
import { fail } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { findBooking, type Booking } from './bookings.repository.ts';
import { bookingView } from './booking-view.ts';

export const isBookingId = isUuid;

/** Its client, its professional and admins may see a booking; to anyone else it does not exist. */
export function canSee(principal: Principal, booking: Booking): boolean {
  return (
    principal.role === 'admin' ||
    (principal.role === 'client' && principal.sub === booking.clientId) ||
    (principal.role === 'professional' && principal.professionalId === booking.professionalId)
  );
}

export function getBookingRoute(deps: CommandDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    const booking = isBookingId(id) ? await findBooking(deps.pool, id) : undefined;
    if (!booking || !canSee(req.principal!, booking)) return sendFailure(res, fail('booking_not_found'));
    res.json(bookingView(booking));
  };
}
