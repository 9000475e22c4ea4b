import { DAY_MS, type Interval } from './intervals.ts';
import type { LocalInterval, Schedule } from './schedule.ts';
import { emptyWeek } from './schedule.ts';

/**
 * What the read model keeps of a professional's availability so the query side can answer slots and
 * apply the moving rules (notice, horizon) without PostgreSQL: compact tuples in a non-indexed field.
 */
export interface DocumentAvailability {
  /** [buffer_before, buffer_after, minimum_notice (minutes), booking_horizon (days), slot_step (minutes)] */
  rules: [number, number, number, number, number];
  /** [ISO weekday 1–7, start minute, end minute] in the professional's time zone */
  weekly: Array<[number, number, number]>;
  /** [local date, [[start minute, end minute], …]] */
  overrides: Array<[string, Array<[number, number]>]>;
  /** one-off windows, epoch ms */
  windows: Array<[number, number]>;
  /** live bookings' blocked ranges, epoch ms */
  blocked: Array<[number, number]>;
}

const pair = (i: LocalInterval | Interval): [number, number] => [i.start, i.end];

/** Windows and blocked ranges that can matter from `now` to the end of the booking horizon. */
export function toDocumentAvailability(s: Schedule, windows: readonly Interval[], blocked: readonly Interval[], now: number): DocumentAvailability {
  const { rules } = s;
  const until = now + (rules.bookingHorizonDays + 1) * DAY_MS;
  const weekly: Array<[number, number, number]> = [];
  s.weekly.forEach((day, index) => day.forEach((i) => weekly.push([index + 1, i.start, i.end])));
  return {
    rules: [rules.bufferBeforeMinutes, rules.bufferAfterMinutes, rules.minimumNoticeMinutes, rules.bookingHorizonDays, rules.slotStepMinutes],
    weekly,
    overrides: [...s.overrides].sort(([a], [b]) => a.localeCompare(b)).map(([date, intervals]) => [date, intervals.map(pair)]),
    windows: windows.filter((w) => w.end > now && w.start < until).map(pair),
    blocked: blocked.filter((b) => b.end > now).map(pair),
  };
}

export function fromDocumentAvailability(timeZone: string, a: DocumentAvailability): { schedule: Schedule; windows: Interval[]; blocked: Interval[] } {
  const weekly = emptyWeek();
  for (const [day, start, end] of a.weekly) weekly[day - 1]!.push({ start, end });
  const [bufferBeforeMinutes, bufferAfterMinutes, minimumNoticeMinutes, bookingHorizonDays, slotStepMinutes] = a.rules;
  return {
    schedule: {
      timeZone,
      rules: { bufferBeforeMinutes, bufferAfterMinutes, minimumNoticeMinutes, bookingHorizonDays, slotStepMinutes },
      weekly,
      overrides: new Map(a.overrides.map(([date, intervals]) => [date, intervals.map(([start, end]) => ({ start, end }))])),
    },
    windows: a.windows.map(([start, end]) => ({ start, end })),
    blocked: a.blocked.map(([start, end]) => ({ start, end })),
  };
}
