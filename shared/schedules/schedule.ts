import { clip, DAY_MS, mergeIntervals, MINUTE_MS, subtract, type Interval } from './intervals.ts';
import { isoWeekday, localDate, localMinuteOfDay, zoneOffsets } from './local-time.ts';

/**
 * The one home of a professional's availability decisions (DESIGN 3.2), shared by the booking
 * transaction, the search document and the slots endpoint, so the three can never disagree.
 */

export const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Day = (typeof DAYS)[number];

/** Local wall-clock minutes of one day: [start, end), end ≤ 1440 (24:00 is the next midnight). */
export interface LocalInterval {
  start: number;
  end: number;
}

export interface BookingRules {
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
  slotStepMinutes: number;
}

/** A professional who never set a schedule: no weekly hours, and these rules. */
export const DEFAULT_RULES: BookingRules = {
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  bookingHorizonDays: 365,
  slotStepMinutes: 5,
};

export interface Schedule {
  timeZone: string;
  rules: BookingRules;
  /** weekly[0] is Monday … weekly[6] Sunday */
  weekly: LocalInterval[][];
  /** Dated overrides by local date `YYYY-MM-DD`; they replace that date's weekly hours. */
  overrides: ReadonlyMap<string, LocalInterval[]>;
}

export function emptyWeek(): LocalInterval[][] {
  return DAYS.map(() => []);
}

export function defaultSchedule(timeZone: string): Schedule {
  return { timeZone, rules: DEFAULT_RULES, weekly: emptyWeek(), overrides: new Map() };
}

/**
 * Available time within [from, to): each local date's weekly intervals (or its override) turned into
 * instants in the schedule's time zone, united with the one-off windows; sorted, touching pieces merged.
 */
export function availableTime(s: Schedule, windows: readonly Interval[], from: number, to: number): Interval[] {
  const pieces: Interval[] = clip(windows, from, to);
  const hasWeekly = s.weekly.some((day) => day.length > 0);
  if (hasWeekly || s.overrides.size > 0) {
    const zone = zoneOffsets(s.timeZone);
    // Local dates whose intervals can reach [from, to): offsets stay within a day of UTC.
    const firstDay = Math.floor(from / DAY_MS) - 1;
    const lastDay = Math.floor(to / DAY_MS) + 1;
    for (let day = firstDay; day <= lastDay; day++) {
      const intervals = (s.overrides.size > 0 ? s.overrides.get(localDate(day)) : undefined) ?? s.weekly[isoWeekday(day) - 1]!;
      for (const { start, end } of intervals) {
        const a = Math.max(from, zone.toInstant(day * DAY_MS + start * MINUTE_MS));
        const b = Math.min(to, zone.toInstant(day * DAY_MS + end * MINUTE_MS));
        if (a < b) pieces.push({ start: a, end: b });
      }
    }
  }
  return mergeIntervals(pieces);
}

/**
 * Where a booking of this professional may lie with its current buffers: available time minus, around
 * every live booking's blocked range, the margin the new booking's own buffers need. A booking [s, e)
 * is free of conflicts exactly when it lies inside one of these ranges. Notice, horizon and the grid
 * are not applied (they move with the clock, or are not ranges).
 */
export function freeTime(s: Schedule, windows: readonly Interval[], blocked: readonly Interval[], from: number, to: number): Interval[] {
  return subtract(availableTime(s, windows, from, to), mergeIntervals(busyTime(s.rules, blocked)));
}

/** Where no booking with these buffers may lie: every blocked range widened by the buffers that would touch it. */
export function busyTime(rules: BookingRules, blocked: readonly Interval[]): Interval[] {
  return blocked.map((b) => ({ start: b.start - rules.bufferAfterMinutes * MINUTE_MS, end: b.end + rules.bufferBeforeMinutes * MINUTE_MS }));
}

/** The range a booking blocks: [start − buffer_before, end + buffer_after). */
export function blockedRange(rules: BookingRules, start: number, end: number): Interval {
  return { start: start - rules.bufferBeforeMinutes * MINUTE_MS, end: end + rules.bufferAfterMinutes * MINUTE_MS };
}

export type BookingRuleFailure = 'inside_minimum_notice' | 'beyond_booking_horizon' | 'off_slot_grid' | 'outside_availability' | 'slot_taken';

export interface BookingRequest {
  start: number;
  end: number;
  now: number;
  /** One-off windows and live bookings' blocked ranges near the request (more is harmless). */
  windows: readonly Interval[];
  blocked: readonly Interval[];
}

/** The rules of DESIGN 3.2, in their order; undefined when the booking may be held. */
export function checkBookingRules(s: Schedule, r: BookingRequest): BookingRuleFailure | undefined {
  const { rules } = s;
  if (r.start < r.now + rules.minimumNoticeMinutes * MINUTE_MS) return 'inside_minimum_notice';
  if (r.start >= r.now + rules.bookingHorizonDays * DAY_MS) return 'beyond_booking_horizon';
  if (!onSlotGrid(s, r.start)) return 'off_slot_grid';
  const available = availableTime(s, r.windows, r.start, r.end);
  if (available.length !== 1 || available[0]!.start !== r.start || available[0]!.end !== r.end) return 'outside_availability';
  const own = blockedRange(rules, r.start, r.end);
  if (r.blocked.some((b) => b.start < own.end && own.start < b.end)) return 'slot_taken';
  return undefined;
}

/** The local wall-clock time of the start (whole minutes) is a multiple of the slot step. */
function onSlotGrid(s: Schedule, start: number): boolean {
  const minute = localMinuteOfDay(zoneOffsets(s.timeZone), start);
  return minute !== undefined && minute % s.rules.slotStepMinutes === 0;
}

export interface SlotQuery {
  from: number;
  to: number;
  durationMinutes: number;
  now: number;
  windows: readonly Interval[];
  blocked: readonly Interval[];
}

/**
 * Every start in [from, to) that checkBookingRules accepts for this duration, ascending: on the local
 * grid (both instants of a repeated wall-clock time are on it), after the notice, before the horizon,
 * and with [start, start + duration) inside one free range.
 */
export function slotStarts(s: Schedule, q: SlotQuery): number[] {
  const { rules } = s;
  const duration = q.durationMinutes * MINUTE_MS;
  const lower = Math.max(q.from, q.now + rules.minimumNoticeMinutes * MINUTE_MS);
  const upper = Math.min(q.to, q.now + rules.bookingHorizonDays * DAY_MS); // starts < upper
  if (lower >= upper) return [];
  const zone = zoneOffsets(s.timeZone);
  const step = rules.slotStepMinutes;
  const starts: number[] = [];
  for (const range of freeTime(s, q.windows, q.blocked, lower, upper - 1 + duration)) {
    const first = Math.max(range.start, lower);
    const last = Math.min(range.end - duration, upper - 1); // inclusive
    if (first > last) continue;
    for (const piece of zone.segments(first, last + 1)) {
      // Within one offset, a start is on the grid when its wall-clock minute of the day is a multiple of the step.
      const localFirst = piece.start + piece.offset;
      const localLast = piece.end - 1 + piece.offset;
      for (let day = Math.floor(localFirst / DAY_MS); day * DAY_MS <= localLast; day++) {
        const dayStart = day * DAY_MS;
        const minFrom = Math.max(0, Math.ceil((localFirst - dayStart) / MINUTE_MS));
        let minute = Math.ceil(minFrom / step) * step;
        for (; minute < 1440; minute += step) {
          const local = dayStart + minute * MINUTE_MS;
          if (local > localLast) break;
          starts.push(local - piece.offset);
        }
      }
    }
  }
  return starts;
}
