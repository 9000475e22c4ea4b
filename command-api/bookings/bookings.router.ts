import { Router } from 'express';
import { requireAuth } from '../../shared/auth.ts';
import { jsonBody } from '../../shared/http/base-app.ts';
import type { CommandDeps } from '../deps.ts';
import { cancelBookingRoute } from './cancel-booking.route.ts';
import { createBookingRoute } from './create-booking.route.ts';
import { getBookingRoute } from './get-booking.route.ts';
import { listBookingsRoute } from './list-bookings.route.ts';
import { rescheduleBookingRoute } from './reschedule-booking.route.ts';

export function bookingsRouter(deps: CommandDeps, opts: { idempotencyLockSeconds: number }): Router {
  const router = Router();
  const json = jsonBody();
  router.post('/bookings', requireAuth(deps.verifyToken, ['client']), json, createBookingRoute(deps, opts));
  router.get('/bookings', requireAuth(deps.verifyToken), listBookingsRoute(deps));
  router.get('/bookings/:id', requireAuth(deps.verifyToken), getBookingRoute(deps));
  router.post('/bookings/:id/cancel', requireAuth(deps.verifyToken), json, cancelBookingRoute(deps));
  router.post('/bookings/:id/reschedule', requireAuth(deps.verifyToken, ['client', 'admin']), json, rescheduleBookingRoute(deps, opts));
  return router;
}
