import { parseClock } from './local-time.ts';
import { DAYS, DEFAULT_RULES, emptyWeek, type BookingRules, type Day, type LocalInterval, type Schedule } from './schedule.ts';

/** How a schedule is written in the API and stored in PostgreSQL: local `HH:MM` wall-clock times. */
export interface StoredInterval {
  start: string;
  end: string;
}
export interface StoredWeeklyInterval extends StoredInterval {
  day: Day;
}
export interface StoredOverride {
  date: string;
  intervals: StoredInterval[];
}

export interface StoredSchedule {
  weekly: StoredWeeklyInterval[];
  rules: BookingRules;
  overrides: StoredOverride[];
}

const toLocalInterval = (i: StoredInterval): LocalInterval => ({ start: parseClock(i.start)!, end: parseClock(i.end)! });

/** The schedule as the pure rules read it; a professional without one gets DEFAULT_RULES and no weekly hours. */
export function scheduleFrom(timeZone: string, stored: Partial<StoredSchedule> | undefined): Schedule {
  const weekly = emptyWeek();
  for (const w of stored?.weekly ?? []) weekly[DAYS.indexOf(w.day)]!.push(toLocalInterval(w));
  for (const day of weekly) day.sort((a, b) => a.start - b.start);
  const overrides = new Map((stored?.overrides ?? []).map((o) => [o.date, o.intervals.map(toLocalInterval)] as const));
  return { timeZone, rules: stored?.rules ?? DEFAULT_RULES, weekly, overrides };
}
