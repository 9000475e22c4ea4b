/** A half-open interval [start, end) of instants in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Sorted union of the intervals; touching intervals become one. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last && next.start <= last.end) last.end = Math.max(last.end, next.end);
    else if (next.start < next.end) merged.push({ start: next.start, end: next.end });
  }
  return merged;
}

export function clip(intervals: readonly Interval[], from: number, to: number): Interval[] {
  const clipped: Interval[] = [];
  for (const { start, end } of intervals) {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (s < e) clipped.push({ start: s, end: e });
  }
  return clipped;
}

/** `free` minus `taken`, both sorted and merged; the result is sorted and never adjacent. */
export function subtract(free: readonly Interval[], taken: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  let first = 0; // first taken interval that can still touch the current free one
  for (const range of free) {
    while (first < taken.length && taken[first]!.end <= range.start) first++;
    let cursor = range.start;
    for (let i = first; i < taken.length && taken[i]!.start < range.end; i++) {
      const t = taken[i]!;
      if (t.start > cursor) result.push({ start: cursor, end: t.start });
      cursor = Math.max(cursor, t.end);
    }
    if (cursor < range.end) result.push({ start: cursor, end: range.end });
  }
  return result;
}
