import type { Queryable } from '../../shared/db/pool.ts';

/** Stores an event once; returns false when this id was stored before. */
export async function insertStripeEvent(db: Queryable, e: { id: string; type: string; payload: unknown }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [e.id, e.type, JSON.stringify(e.payload)],
  );
  return rowCount === 1;
}
