import type { Queryable } from './pool.ts';

/** Serialises every transaction that can occupy a professional's time; released at commit or rollback. */
export async function lockProfessional(db: Queryable, professionalId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(7001, hashtext($1))', [professionalId]);
}
