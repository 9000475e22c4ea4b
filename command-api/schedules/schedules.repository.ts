import type { Queryable } from '../../shared/db/pool.ts';
import type { BookingRules } from '../../shared/schedules/schedule.ts';
import type { StoredInterval, StoredOverride, StoredSchedule, StoredWeeklyInterval } from '../../shared/schedules/stored-schedule.ts';

const RULE_COLUMNS = `buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, booking_horizon_days, slot_step_minutes`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toRules = (r: any): BookingRules => ({
  bufferBeforeMinutes: r.buffer_before_minutes,
  bufferAfterMinutes: r.buffer_after_minutes,
  minimumNoticeMinutes: r.minimum_notice_minutes,
  bookingHorizonDays: r.booking_horizon_days,
  slotStepMinutes: r.slot_step_minutes,
});

/**
 * A professional's schedule with the overrides of local dates from `fromDate` (YYYY-MM-DD) on;
 * undefined fields mean "never set" (defaults).
 */
export async function readStoredSchedule(db: Queryable, professionalId: string, fromDate: string): Promise<Partial<StoredSchedule>> {
  // One client runs one query at a time (inside a transaction it is the transaction's client).
  const schedule = await db.query(`SELECT weekly, ${RULE_COLUMNS} FROM schedules WHERE professional_id = $1`, [professionalId]);
  const overrides = await db.query<{ date: string; intervals: StoredInterval[] }>(
    `SELECT to_char(local_date, 'YYYY-MM-DD') AS date, intervals FROM schedule_overrides
     WHERE professional_id = $1 AND local_date >= $2::date ORDER BY local_date`,
    [professionalId, fromDate],
  );
  const row = schedule.rows[0];
  return {
    ...(row ? { weekly: row.weekly as StoredWeeklyInterval[], rules: toRules(row) } : {}),
    // jsonb keeps no key order: answer { start, end } as written
    overrides: overrides.rows.map((o) => ({ date: o.date, intervals: o.intervals.map(({ start, end }) => ({ start, end })) })),
  };
}

export async function upsertSchedule(db: Queryable, professionalId: string, weekly: StoredWeeklyInterval[], rules: BookingRules): Promise<void> {
  await db.query(
    `INSERT INTO schedules (professional_id, weekly, ${RULE_COLUMNS}, updated_at)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, now())
     ON CONFLICT (professional_id) DO UPDATE SET weekly = EXCLUDED.weekly,
       buffer_before_minutes = EXCLUDED.buffer_before_minutes, buffer_after_minutes = EXCLUDED.buffer_after_minutes,
       minimum_notice_minutes = EXCLUDED.minimum_notice_minutes, booking_horizon_days = EXCLUDED.booking_horizon_days,
       slot_step_minutes = EXCLUDED.slot_step_minutes, updated_at = now()`,
    [
      professionalId,
      JSON.stringify(weekly),
      rules.bufferBeforeMinutes,
      rules.bufferAfterMinutes,
      rules.minimumNoticeMinutes,
      rules.bookingHorizonDays,
      rules.slotStepMinutes,
    ],
  );
}

export async function upsertOverride(db: Queryable, professionalId: string, override: StoredOverride): Promise<void> {
  await db.query(
    `INSERT INTO schedule_overrides (professional_id, local_date, intervals) VALUES ($1, $2::date, $3::jsonb)
     ON CONFLICT (professional_id, local_date) DO UPDATE SET intervals = EXCLUDED.intervals, updated_at = now()`,
    [professionalId, override.date, JSON.stringify(override.intervals)],
  );
}

/** true when an override was removed. */
export async function deleteOverride(db: Queryable, professionalId: string, date: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM schedule_overrides WHERE professional_id = $1 AND local_date = $2::date`, [professionalId, date]);
  return (rowCount ?? 0) > 0;
}
