import { Router } from 'express';
import { rawBody } from '../../shared/http/base-app.ts';
import type { CommandDeps } from '../deps.ts';
import { receiveStripeEventRoute } from './receive-stripe-event.route.ts';

export function webhooksRouter(deps: CommandDeps): Router {
  const router = Router();
  // The signature covers the exact bytes, so the body must stay raw.
  router.post('/webhooks/stripe', rawBody(), receiveStripeEventRoute(deps));
  return router;
}
