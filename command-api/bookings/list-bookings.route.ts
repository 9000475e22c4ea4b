import type { Request, Response } from 'express';
import { fail } from '../../shared/errors.ts';
import { validate } from '../../shared/validation.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import { listBookingsQuery } from './booking.schemas.ts';
import { bookingView } from './booking-view.ts';
import { listVisibleBookings } from './list-bookings.ts';
import type { BookingStatus } from './bookings.repository.ts';

export function listBookingsRoute(deps: CommandDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const input = validate(listBookingsQuery, req.query);
    if (!input.ok) return sendFailure(res, input);
    const q = input.value as { status?: BookingStatus; from?: Date; to?: Date; professional_id?: string; client_id?: string; limit: number; cursor?: string };
    if (q.from && q.to && q.to.getTime() <= q.from.getTime()) {
      return sendFailure(res, fail('validation_error', 'to must be after from', [{ field: 'to', message: 'to must be after from' }]));
    }
    const result = await listVisibleBookings(deps, req.principal!, {
      status: q.status,
      from: q.from,
      to: q.to,
      professionalId: q.professional_id,
      clientId: q.client_id,
      limit: q.limit,
      cursor: q.cursor,
    });
    if (!result.ok) return sendFailure(res, result);
    res.json({ data: result.value.data.map((b) => bookingView(b)), page: { limit: q.limit, next_cursor: result.value.nextCursor } });
  };
}
