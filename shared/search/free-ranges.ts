/** A half-open interval [start, end) of instants in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * When a professional can be booked: availability windows minus busy (pending or confirmed) bookings,
 * clipped to [from, to). The result is sorted, disjoint and never adjacent: touching windows are merged,
 * so a request that spans them is contained in one range (Elasticsearch's `contains` looks at one range).
 */
export function computeFreeRanges(windows: readonly Interval[], busy: readonly Interval[], from: number, to: number): Interval[] {
  const free = mergeIntervals(clip(windows, from, to));
  const blocked = mergeIntervals(clip(busy, from, to));
  const result: Interval[] = [];
  let first = 0; // first blocked interval that can still touch the current window
  for (const window of free) {
    while (first < blocked.length && blocked[first]!.end <= window.start) first++;
    let cursor = window.start;
    for (let i = first; i < blocked.length && blocked[i]!.start < window.end; i++) {
      const b = blocked[i]!;
      if (b.start > cursor) result.push({ start: cursor, end: b.start });
      cursor = Math.max(cursor, b.end);
    }
    if (cursor < window.end) result.push({ start: cursor, end: window.end });
  }
  return result;
}

function clip(intervals: readonly Interval[], from: number, to: number): Interval[] {
  const clipped: Interval[] = [];
  for (const { start, end } of intervals) {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (s < e) clipped.push({ start: s, end: e });
  }
  return clipped;
}

/** Sorted union of the intervals; touching intervals become one. */
function mergeIntervals(intervals: Interval[]): Interval[] {
  intervals.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const next of intervals) {
    const last = merged[merged.length - 1];
    if (last && next.start <= last.end) last.end = Math.max(last.end, next.end);
    else merged.push({ ...next });
  }
  return merged;
}
