import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { toProfile, type ProfileRow } from '../professional.ts';
import type { Interval } from './free-ranges.ts';
import type { ProfessionalSnapshot } from './professional-document.ts';

/** Instants whose availability and bookings matter: anything intersecting [from, to). */
export interface TimeRange {
  from: Date;
  to: Date;
}

/**
 * Runs fn in one REPEATABLE READ, READ ONLY transaction: the professional, its windows and its bookings
 * (and, in a reindex, every professional) are read from one snapshot, so a document never mixes states.
 */
export function withSnapshot<T>(pool: Pool, fn: (db: Queryable) => Promise<T>): Promise<T> {
  return withTransaction(pool, fn, 'snapshot');
}

// Windows and live bookings come as [start_ms, end_ms] pairs aggregated per professional: one round trip.
const SELECT_SNAPSHOT = `
  SELECT p.id, p.name, p.category, p.rate_per_minute, p.currency, p.lat, p.long, p.travel_modes, p.time_zone,
         p.active, p.search_version,
         COALESCE((SELECT json_agg(json_build_array(
                            (extract(epoch FROM a.start_time) * 1000)::bigint, (extract(epoch FROM a.end_time) * 1000)::bigint))
                     FROM availabilities a
                    WHERE a.professional_id = p.id AND a.end_time > $1 AND a.start_time < $2), '[]'::json) AS windows,
         COALESCE((SELECT json_agg(json_build_array(
                            (extract(epoch FROM b.start_time) * 1000)::bigint, (extract(epoch FROM b.end_time) * 1000)::bigint))
                     FROM bookings b
                    WHERE b.professional_id = p.id AND b.status IN ('pending', 'confirmed')
                      AND b.end_time > $1 AND b.start_time < $2), '[]'::json) AS busy
    FROM professionals p`;

interface SnapshotRow extends ProfileRow {
  search_version: number;
  windows: Array<[number, number]>;
  busy: Array<[number, number]>;
}

const toIntervals = (pairs: Array<[number, number]>): Interval[] => pairs.map(([start, end]) => ({ start, end }));

function toSnapshot(r: SnapshotRow): ProfessionalSnapshot {
  return {
    ...toProfile(r),
    searchVersion: r.search_version,
    windows: toIntervals(r.windows),
    busy: toIntervals(r.busy),
  };
}

/** The snapshots of these professionals; ids without a row are simply absent. */
export async function readSnapshotsByIds(db: Queryable, ids: readonly string[], range: TimeRange): Promise<ProfessionalSnapshot[]> {
  const { rows } = await db.query<SnapshotRow>(`${SELECT_SNAPSHOT} WHERE p.id = ANY($3::text[])`, [range.from, range.to, ids]);
  return rows.map(toSnapshot);
}

/** One page of every professional in id order, after `afterId` (keyset pagination: no OFFSET rescans). */
export async function readSnapshotPage(db: Queryable, afterId: string, limit: number, range: TimeRange): Promise<ProfessionalSnapshot[]> {
  const { rows } = await db.query<SnapshotRow>(`${SELECT_SNAPSHOT} WHERE p.id > $3 ORDER BY p.id LIMIT $4`, [range.from, range.to, afterId, limit]);
  return rows.map(toSnapshot);
}

export async function countProfessionals(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM professionals`);
  return rows[0]!.n;
}

/** Ids and search versions in id order after `afterId`: what a reindex compares its snapshot with. */
export async function readSearchVersionPage(db: Queryable, afterId: string, limit: number): Promise<Array<{ id: string; searchVersion: number }>> {
  const { rows } = await db.query<{ id: string; search_version: number }>(
    `SELECT id, search_version FROM professionals WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, searchVersion: r.search_version }));
}
