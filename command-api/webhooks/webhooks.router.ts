import express, { Router } from 'express';
import type { CommandDeps } from '../deps.ts';
import { receiveStripeEventRoute } from './receive-stripe-event.route.ts';

export function webhooksRouter(deps: CommandDeps): Router {
  const router = Router();
  // The signature covers the exact bytes, so the body must stay raw.
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '100kb' }), receiveStripeEventRoute(deps));
  return router;
}
