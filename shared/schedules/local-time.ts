import { Temporal } from 'temporal-polyfill';
import { DAY_MS, MINUTE_MS } from './intervals.ts';

/**
 * A time zone's UTC offsets as a list of transitions, read once per zone from the tz database through
 * Temporal, so that converting thousands of local times (slots, documents) is arithmetic, not a library
 * call each. Local times are "wall-clock milliseconds": the instant the wall-clock reading would be in UTC.
 */
export class ZoneOffsets {
  readonly timeZone: string;
  /** transitions[i] is the instant at which offsets[i + 1] starts; offsets[0] applies before the first */
  private readonly transitions: readonly number[];
  private readonly offsets: readonly number[];

  private constructor(timeZone: string, transitions: readonly number[], offsets: readonly number[]) {
    this.timeZone = timeZone;
    this.transitions = transitions;
    this.offsets = offsets;
  }

  static read(timeZone: string, from: number, to: number): ZoneOffsets {
    let zoned = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(timeZone);
    const transitions: number[] = [];
    const offsets = [zoned.offsetNanoseconds / 1e6];
    for (;;) {
      const next = zoned.getTimeZoneTransition('next');
      if (!next || next.epochMilliseconds > to) break;
      transitions.push(next.epochMilliseconds);
      offsets.push(next.offsetNanoseconds / 1e6);
      zoned = next;
    }
    return new ZoneOffsets(timeZone, transitions, offsets);
  }

  /** Offset (ms, east positive) in force at an instant. */
  offsetAt(instant: number): number {
    return this.offsets[this.countUpTo(instant)]!;
  }

  /** How many transitions happen at or before the instant (binary search). */
  private countUpTo(instant: number): number {
    let lo = 0;
    let hi = this.transitions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.transitions[mid]! <= instant) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Wall-clock milliseconds of an instant. */
  toLocal(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The instant of a wall-clock time (DESIGN 3.2, Temporal's `compatible`): a time that exists once maps to
   * it; a repeated time (clocks went back) takes the earlier instant; a time inside a gap (clocks went
   * forward) moves forward by the length of the gap.
   */
  toInstant(local: number): number {
    // Offsets never exceed ±18 h, so every candidate instant lies within a day of the wall-clock reading.
    const near = this.countUpTo(local - DAY_MS);
    if (near === this.countUpTo(local + DAY_MS)) return local - this.offsets[near]!; // no change nearby: one offset
    let earliest = Infinity;
    for (const offset of this.offsetsAround(local)) {
      const instant = local - offset;
      if (this.offsetAt(instant) === offset && instant < earliest) earliest = instant;
    }
    if (earliest !== Infinity) return earliest;
    // In a gap: read the time with the offset in force before the transition, i.e. forward by the gap.
    return local - this.offsetBeforeGap(local);
  }

  private offsetsAround(local: number): Set<number> {
    const set = new Set<number>([this.offsetAt(local - DAY_MS), this.offsetAt(local), this.offsetAt(local + DAY_MS)]);
    for (const t of this.transitionsBetween(local - DAY_MS, local + DAY_MS)) set.add(this.offsetAt(t));
    return set;
  }

  private offsetBeforeGap(local: number): number {
    for (const t of this.transitionsBetween(local - DAY_MS, local + DAY_MS)) {
      const before = this.offsetAt(t - 1);
      const after = this.offsetAt(t);
      if (after > before && t + before <= local && local < t + after) return before;
    }
    return this.offsetAt(local - DAY_MS);
  }

  private transitionsBetween(from: number, to: number): number[] {
    return this.transitions.slice(this.countUpTo(from), this.countUpTo(to));
  }

  /** The offset changes in (from, to]: when, and the offsets before and after. */
  changes(from: number, to: number): Array<{ at: number; before: number; after: number }> {
    return this.transitionsBetween(from, to).map((at) => ({ at, before: this.offsetAt(at - 1), after: this.offsetAt(at) }));
  }

  /** [start, end) pieces of [from, to) with one offset each. */
  segments(from: number, to: number): Array<{ start: number; end: number; offset: number }> {
    const pieces: Array<{ start: number; end: number; offset: number }> = [];
    let cursor = from;
    for (const t of this.transitionsBetween(from, to)) {
      if (t > cursor) pieces.push({ start: cursor, end: t, offset: this.offsetAt(cursor) });
      cursor = t;
    }
    if (cursor < to) pieces.push({ start: cursor, end: to, offset: this.offsetAt(cursor) });
    return pieces;
  }
}

// The offsets of 2000–2100 are read once per zone (a few tens of ms), then reused by every call.
const SPAN_FROM = Date.UTC(2000, 0, 1);
const SPAN_TO = Date.UTC(2100, 0, 1);
const zones = new Map<string, ZoneOffsets>();

export function zoneOffsets(timeZone: string): ZoneOffsets {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = ZoneOffsets.read(timeZone, SPAN_FROM, SPAN_TO);
    zones.set(timeZone, zone);
  }
  return zone;
}

export function localDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday of a local day: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Minutes of the day of `HH:MM` (00:00–24:00). */
export function parseClock(value: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$|^(24):(00)$/.exec(value);
  if (!m) return undefined;
  return Number(m[1] ?? m[3]) * 60 + Number(m[2] ?? m[4]);
}

/** Minute of the local day of an instant, or undefined when its local time has seconds. */
export function localMinuteOfDay(zone: ZoneOffsets, instant: number): number | undefined {
  const local = zone.toLocal(instant);
  const inDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  return inDay % MINUTE_MS === 0 ? inDay / MINUTE_MS : undefined;
}
