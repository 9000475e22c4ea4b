import type { Request, Response } from 'express';
import { withTransaction } from '../../shared/db/pool.ts';
import { problem, sendProblem } from '../../shared/errors.ts';
import { enqueue, QUEUES } from '../../shared/queue.ts';
import type { CommandDeps } from '../deps.ts';
import { insertStripeEvent } from './stripe-events.repository.ts';

const TOLERANCE_SECONDS = 300;

/**
 * Verifies the signature over the raw body, stores the event and enqueues its processing in one
 * transaction, and answers at once. A duplicate delivery is acknowledged and not processed again.
 */
export function receiveStripeEventRoute(deps: CommandDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const signature = req.get('stripe-signature');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: { id?: unknown; type?: unknown };
    try {
      if (!signature) throw new Error('missing signature');
      event = deps.stripe.webhooks.constructEvent(raw, signature, deps.config.stripe.webhookSecret, TOLERANCE_SECONDS) as unknown as typeof event;
    } catch (err) {
      const bodyIsJson = (() => {
        try {
          JSON.parse(raw.toString('utf8'));
          return true;
        } catch {
          return false;
        }
      })();
      const isSignature = (err as { type?: string }).type === 'StripeSignatureVerificationError' || !signature || bodyIsJson;
      deps.metrics.webhookEvents.inc({ type: 'unknown', result: isSignature ? 'invalid_signature' : 'invalid_payload' });
      deps.logger.warn({ reason: (err as Error).message }, 'webhook refused');
      return sendProblem(
        res,
        isSignature
          ? problem(400, 'invalid_signature', 'The Stripe-Signature header is missing, wrong or older than 300 seconds.')
          : problem(400, 'invalid_payload', 'The body is not a JSON Stripe event.'),
      );
    }
    if (typeof event.id !== 'string' || typeof event.type !== 'string' || event.id.length > 255) {
      deps.metrics.webhookEvents.inc({ type: 'unknown', result: 'invalid_payload' });
      return sendProblem(res, problem(400, 'invalid_payload', 'The event has no id or type.'));
    }
    const { id, type } = event as { id: string; type: string };
    const inserted = await withTransaction(deps.pool, async (tx) => {
      const fresh = await insertStripeEvent(tx, { id, type, payload: event });
      if (fresh) await enqueue(deps.boss, tx, QUEUES.stripeEvent, { event_id: id }, { id: undefined });
      return fresh;
    });
    deps.metrics.webhookEvents.inc({ type, result: inserted ? 'received' : 'duplicate' });
    deps.logger.info({ event_id: id, type, duplicate: !inserted }, 'webhook received');
    res.status(200).json({ received: true, duplicate: !inserted });
  };
}
