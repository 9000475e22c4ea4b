import type { Queryable } from '../../shared/db/pool.ts';

export interface StoredStripeEvent {
  id: string;
  type: string;
  payload: { data?: { object?: unknown } };
  attempts: number;
}

/** Stores an event once; returns false when this id was stored before. */
export async function insertStripeEvent(db: Queryable, e: { id: string; type: string; payload: unknown }): Promise<boolean> {
  const { rowCount } = await db.query(`INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
    e.id,
    e.type,
    JSON.stringify(e.payload),
  ]);
  return rowCount === 1;
}

/**
 * Counts a processing attempt (committed on its own, so attempts that crash are counted too) and
 * returns the event; undefined when it is unknown or already processed.
 */
export async function startAttempt(db: Queryable, id: string): Promise<StoredStripeEvent | undefined> {
  const { rows } = await db.query(
    `UPDATE stripe_events SET attempts = attempts + 1 WHERE id = $1 AND processed_at IS NULL
     RETURNING id, type, payload, attempts`,
    [id],
  );
  return rows[0];
}

/**
 * Locks the event for the caller's transaction; false when another attempt processed it first.
 * Two workers holding the same event (a job that expired while its worker was still alive)
 * are serialised here, and the second one finds it processed.
 */
export async function lockUnprocessedEvent(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT processed_at FROM stripe_events WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] !== undefined && rows[0].processed_at === null;
}

export async function markEventProcessed(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE stripe_events SET processed_at = now(), last_error = NULL WHERE id = $1`, [id]);
}

export async function recordEventFailure(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE stripe_events SET last_error = $2 WHERE id = $1`, [id, error.slice(0, 2000)]);
}
