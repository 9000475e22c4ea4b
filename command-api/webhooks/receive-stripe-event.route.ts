import type { Request, Response } from 'express';
import Stripe from 'stripe';
import { withTransaction } from '../../shared/db/pool.ts';
import { problem, sendProblem } from '../../shared/errors.ts';
import { hasControlCharacter } from '../../shared/validation.ts';
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
    const refuse = (code: 'invalid_signature' | 'invalid_payload', reason: string): void => {
      deps.metrics.webhookEvents.inc({ type: 'unknown', result: code });
      deps.logger.warn({ reason }, 'webhook refused');
      sendProblem(
        res,
        code === 'invalid_signature'
          ? problem(400, code, 'The Stripe-Signature header is missing, wrong or older than 300 seconds.')
          : problem(400, code, 'The body is not a JSON Stripe event.'),
      );
    };
    if (!signature) return refuse('invalid_signature', 'missing Stripe-Signature header');
    let event: { id?: unknown; type?: unknown };
    try {
      // The library checks the signature first and only then parses the JSON.
      event = deps.stripe.webhooks.constructEvent(raw, signature, deps.config.stripe.webhookSecret, TOLERANCE_SECONDS) as unknown as typeof event;
    } catch (err) {
      const badSignature = err instanceof Stripe.errors.StripeSignatureVerificationError;
      return refuse(badSignature ? 'invalid_signature' : 'invalid_payload', (err as Error).message);
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || event.id.length > 255 || event.type.length > 255) {
      return refuse('invalid_payload', 'event without id or type');
    }
    const { id, type } = event as { id: string; type: string };
    // PostgreSQL stores no NUL (jsonb refuses \u0000); ids and types are plain tokens.
    const unstorable = hasControlCharacter(id) ? 'id' : hasControlCharacter(type) ? 'type' : containsNul(event) ? 'body' : undefined;
    if (unstorable) {
      deps.metrics.webhookEvents.inc({ type: 'unknown', result: 'validation_error' });
      const message = unstorable === 'body' ? 'the event must not contain NUL characters' : `${unstorable} must not contain control characters`;
      return sendProblem(res, problem(400, 'validation_error', message, [{ field: unstorable, message }]));
    }
    const inserted = await withTransaction(deps.pool, async (tx) => {
      const fresh = await insertStripeEvent(tx, { id, type, payload: event });
      if (fresh) await enqueue(deps.boss, tx, QUEUES.stripeEvent, { event_id: id });
      return fresh;
    });
    deps.metrics.webhookEvents.inc({ type, result: inserted ? 'received' : 'duplicate' });
    deps.logger.info({ event_id: id, type, duplicate: !inserted }, 'webhook received');
    res.status(200).json({ received: true, duplicate: !inserted });
  };
}

function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return true;
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
