import type { Queryable } from '../../shared/db/pool.ts';

/**
 * Professionals whose first free range may have ended in (from, to]: a window ended or a live booking
 * started. (A range starting or being clipped needs no re-sync: the API shows max(next_free_start, now).)
 */
export async function professionalsWithEndedRanges(db: Queryable, from: Date, to: Date): Promise<string[]> {
  const { rows } = await db.query<{ professional_id: string }>(
    `SELECT professional_id FROM availabilities WHERE end_time > $1 AND end_time <= $2
     UNION
     SELECT professional_id FROM bookings WHERE status IN ('pending', 'confirmed') AND start_time > $1 AND start_time <= $2`,
    [from, to],
  );
  return rows.map((r) => r.professional_id);
}

/** Professionals with availability in the slice [from, to) that the moving horizon end has just uncovered. */
export async function professionalsWithWindowsIn(db: Queryable, from: Date, to: Date): Promise<string[]> {
  const { rows } = await db.query<{ professional_id: string }>(
    `SELECT DISTINCT professional_id FROM availabilities WHERE start_time < $2 AND end_time > $1`,
    [from, to],
  );
  return rows.map((r) => r.professional_id);
}
