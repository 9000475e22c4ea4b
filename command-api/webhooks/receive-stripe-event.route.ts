import { createHash, createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import type Stripe from 'stripe';
import { withTransaction } from '../../shared/db/pool.ts';
import { problem, sendProblem } from '../../shared/errors.ts';
import { hasControlCharacter } from '../../shared/validation.ts';
import { enqueue, QUEUES } from '../../shared/queue.ts';
import type { CommandDeps } from '../deps.ts';
import { insertStripeEvent } from './stripe-events.repository.ts';

const TOLERANCE_SECONDS = 300;

/**
 * Stripe signs the exact bytes it sends, but its verifier decodes them as UTF-8 first (a stray byte
 * becomes U+FFFD, a BOM is dropped) and so refuses such bodies. Handed the body as one character per
 * byte (latin1), the library's verifier with this provider computes the HMAC over the bytes received.
 */
const RAW_BYTES_HMAC: Stripe.CryptoProvider = {
  computeHMACSignature: (content, secret) => createHmac('sha256', secret).update(content, 'latin1').digest('hex'),
  computeHMACSignatureAsync: async (content, secret) => createHmac('sha256', secret).update(content, 'latin1').digest('hex'),
  computeSHA256Async: async (data) => new Uint8Array(createHash('sha256').update(data).digest()),
};

/** The signature's timestamp as the library reads it (the last `t=`); the library only refuses old ones. */
function signedAt(header: string): number {
  let t = -1;
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') t = Number.parseInt(value ?? '', 10);
  }
  return t;
}

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
    try {
      deps.stripe.webhooks.signature!.verifyHeader(raw.toString('latin1'), signature, deps.config.stripe.webhookSecret, TOLERANCE_SECONDS, RAW_BYTES_HMAC);
    } catch (err) {
      return refuse('invalid_signature', (err as Error).message);
    }
    // A signature dated ahead of our clock beyond the tolerance is as suspect as a stale one.
    if (signedAt(signature) - Date.now() / 1000 > TOLERANCE_SECONDS) return refuse('invalid_signature', 'timestamp in the future');
    let event: { id?: unknown; type?: unknown };
    try {
      // Only after the signature: UTF-8 with a BOM tolerated and stray bytes as U+FFFD, as the library would read it.
      event = JSON.parse(new TextDecoder('utf-8').decode(raw)) as typeof event;
    } catch (err) {
      return refuse('invalid_payload', (err as Error).message);
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
