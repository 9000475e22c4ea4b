import type { Queryable } from '../../shared/db/pool.ts';

/** The current search_version of each of these professionals that exists. */
export async function readSearchVersions(db: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; search_version: string }>(`SELECT id, search_version FROM professionals WHERE id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((r) => [r.id, Number(r.search_version)]));
}

/**
 * Moves a professional's search_version past one the index already holds (after a restore of PostgreSQL,
 * or a document written by hand): otherwise the external version would refuse every sync of it forever.
 */
export async function raiseSearchVersion(db: Queryable, id: string, above: number): Promise<void> {
  await db.query(`UPDATE professionals SET search_version = $2 + 1 WHERE id = $1 AND search_version <= $2`, [id, above]);
}
