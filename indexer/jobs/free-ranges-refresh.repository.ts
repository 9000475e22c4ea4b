import { liveBookingSql } from '../../shared/db/live-bookings.ts';
import type { Queryable } from '../../shared/db/pool.ts';

/**
 * Professionals whose first free range may have ended in (from, to]: a window ended or a live booking
 * started blocking (its blocked range, buffers included, began). (A range starting or being clipped needs no
 * re-sync: the API shows max(next_free_start, now + notice).)
 */
export async function professionalsWithEndedRanges(db: Queryable, from: Date, to: Date): Promise<string[]> {
  const { rows } = await db.query<{ professional_id: string }>(
    `SELECT professional_id FROM availabilities WHERE end_time > $1 AND end_time <= $2
     UNION
     SELECT professional_id FROM bookings WHERE ${liveBookingSql()} AND blocked_start > $1 AND blocked_start <= $2`,
    [from, to],
  );
  return rows.map((r) => r.professional_id);
}

/** Professionals with availability in the slice [from, to) that the moving horizon end has just uncovered. */
export async function professionalsWithWindowsIn(db: Queryable, from: Date, to: Date): Promise<string[]> {
  const { rows } = await db.query<{ professional_id: string }>(`SELECT DISTINCT professional_id FROM availabilities WHERE start_time < $2 AND end_time > $1`, [
    from,
    to,
  ]);
  return rows.map((r) => r.professional_id);
}

/**
 * Professionals with weekly hours or overrides whose daily bucket (a hash of the id, 0–23) is one of
 * `hours`: their free ranges move on every day, and the document's margin past the search horizon
 * (FREE_RANGES_MARGIN_DAYS) covers the day until the next refresh. Spread over the day, not all at once.
 */
export async function professionalsWithScheduleDue(db: Queryable, hours: readonly number[]): Promise<string[]> {
  const { rows } = await db.query<{ professional_id: string }>(
    `SELECT professional_id FROM schedules
     WHERE (weekly <> '[]'::jsonb OR EXISTS (SELECT 1 FROM schedule_overrides o WHERE o.professional_id = schedules.professional_id))
       AND ((hashtext(professional_id) & 2147483647) % 24) = ANY($1::int[])`,
    [hours],
  );
  return rows.map((r) => r.professional_id);
}
