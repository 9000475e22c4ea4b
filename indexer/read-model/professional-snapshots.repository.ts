import { liveBookingSql } from '../../shared/db/live-bookings.ts';
import { withTransaction, type Pool, type Queryable } from '../../shared/db/pool.ts';
import { toProfile, type ProfileRow } from '../../shared/professional.ts';
import type { Interval } from './free-ranges.ts';
import type { ProfessionalSnapshot } from './build-document.ts';
import { scheduleFrom, type StoredOverride, type StoredWeeklyInterval } from '../../shared/schedules/stored-schedule.ts';

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

// Windows, live bookings' blocked ranges and future overrides come aggregated per professional: one round
// trip. Windows and bookings are read up to the booking horizon (slots), at least up to `$2`.
const SELECT_SNAPSHOT = `
  SELECT p.id, p.name, p.category, p.rate_per_minute, p.currency, p.lat, p.long, p.travel_modes, p.time_zone,
         p.active, p.search_version,
         s.weekly, s.buffer_before_minutes, s.buffer_after_minutes, s.minimum_notice_minutes, s.booking_horizon_days,
         s.slot_step_minutes,
         COALESCE((SELECT json_agg(json_build_object('date', to_char(o.local_date, 'YYYY-MM-DD'), 'intervals', o.intervals))
                     FROM schedule_overrides o
                    WHERE o.professional_id = p.id AND o.local_date >= ($1::timestamptz - interval '2 days')::date), '[]'::json) AS overrides,
         COALESCE((SELECT json_agg(json_build_array(
                            (extract(epoch FROM a.start_time) * 1000)::bigint, (extract(epoch FROM a.end_time) * 1000)::bigint))
                     FROM availabilities a
                    WHERE a.professional_id = p.id AND a.end_time > $1
                      AND a.start_time < greatest($2, $1 + make_interval(days => COALESCE(s.booking_horizon_days, 365) + 1))), '[]'::json) AS windows,
         COALESCE((SELECT json_agg(json_build_array(
                            (extract(epoch FROM b.blocked_start) * 1000)::bigint, (extract(epoch FROM b.blocked_end) * 1000)::bigint))
                     FROM bookings b
                    WHERE b.professional_id = p.id AND ${liveBookingSql('b.status')}
                      AND b.blocked_end > $1
                      AND b.blocked_start < greatest($2, $1 + make_interval(days => COALESCE(s.booking_horizon_days, 365) + 1))), '[]'::json) AS busy
    FROM professionals p LEFT JOIN schedules s ON s.professional_id = p.id`;

interface SnapshotRow extends ProfileRow {
  search_version: number;
  weekly: StoredWeeklyInterval[] | null;
  buffer_before_minutes: number | null;
  buffer_after_minutes: number;
  minimum_notice_minutes: number;
  booking_horizon_days: number;
  slot_step_minutes: number;
  overrides: StoredOverride[];
  windows: Array<[number, number]>;
  busy: Array<[number, number]>;
}

const toIntervals = (pairs: Array<[number, number]>): Interval[] => pairs.map(([start, end]) => ({ start: Number(start), end: Number(end) }));

function toSnapshot(r: SnapshotRow): ProfessionalSnapshot {
  const rules =
    r.weekly === null
      ? undefined
      : {
          bufferBeforeMinutes: r.buffer_before_minutes!,
          bufferAfterMinutes: r.buffer_after_minutes,
          minimumNoticeMinutes: r.minimum_notice_minutes,
          bookingHorizonDays: r.booking_horizon_days,
          slotStepMinutes: r.slot_step_minutes,
        };
  return {
    ...toProfile(r),
    searchVersion: r.search_version,
    schedule: scheduleFrom(r.time_zone, { ...(r.weekly ? { weekly: r.weekly } : {}), ...(rules ? { rules } : {}), overrides: r.overrides }),
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
  const { rows } = await db.query<{ id: string; search_version: number }>(`SELECT id, search_version FROM professionals WHERE id > $1 ORDER BY id LIMIT $2`, [
    afterId,
    limit,
  ]);
  return rows.map((r) => ({ id: r.id, searchVersion: r.search_version }));
}
