import type { Request, Response } from 'express';
import { fail } from '../../shared/errors.ts';
import { intervalEndError, validate } from '../../shared/validation.ts';
import { createBookingBody } from './booking.schemas.ts';
import type { CommandDeps } from '../deps.ts';
import { failureResponse, sendFailure } from '../problems.ts';
import { idempotencyDeps, readIdempotencyKey, respondIdempotently } from '../idempotency/idempotent-request.ts';
import { createBooking } from './create-booking.ts';
import { bookingView } from './booking-view.ts';

export function createBookingRoute(deps: CommandDeps, opts: { idempotencyLockSeconds: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const key = readIdempotencyKey(req);
    if (!key.ok) return sendFailure(res, key);
    const input = validate(createBookingBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const endError = intervalEndError('start_time', input.value.start_time, input.value.duration_minutes);
    if (endError) return sendFailure(res, fail('validation_error', endError.message, [endError]));
    const principal = req.principal!;

    await respondIdempotently(idempotencyDeps(deps, opts.idempotencyLockSeconds), req, res, principal.sub, key.key, async () => {
      const result = await createBooking(deps, {
        clientId: principal.sub,
        contactEmail: principal.email ?? null,
        idempotencyKey: key.key,
        professionalId: input.value.professional_id,
        start: input.value.start_time,
        durationMinutes: input.value.duration_minutes,
      });
      if (!result.ok) return failureResponse(result);
      return { status: 201, body: bookingView(result.value.booking, { clientSecret: result.value.clientSecret }) };
    });
  };
}
