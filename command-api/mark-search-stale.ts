import type { Queryable } from '../shared/db/pool.ts';
import { enqueueReadModelSync, type PgBoss } from '../shared/queue.ts';

/**
 * Call inside every transaction that changes what search shows for a professional: the version bump
 * and the sync job commit (or roll back) together with the change itself.
 */
export async function markSearchStale(boss: PgBoss, db: Queryable, professionalId: string): Promise<void> {
  await db.query(`UPDATE professionals SET search_version = search_version + 1 WHERE id = $1`, [professionalId]);
  await enqueueReadModelSync(boss, db, professionalId);
}
