import { withTransaction, type PoolClient } from '../../shared/db/pool.ts';
import type { CommandDeps } from '../deps.ts';
import { lockUnprocessedEvent } from '../webhooks/stripe-events.repository.ts';

export type EventOutcome = 'processed' | 'ignored' | 'already_processed';

/**
 * Runs `fn` in a transaction that holds the Stripe event's row lock; resolves `already_processed`
 * without running it when another attempt got there first. `fn` marks the event processed in the
 * same transaction as its effect (markEventProcessed), so the effect and the mark commit together.
 */
export async function inEventTransaction<T>(
  deps: Pick<CommandDeps, 'pool'>,
  eventId: string,
  fn: (tx: PoolClient) => Promise<T>,
): Promise<T | 'already_processed'> {
  return withTransaction(deps.pool, async (tx) => ((await lockUnprocessedEvent(tx, eventId)) ? fn(tx) : 'already_processed'));
}
