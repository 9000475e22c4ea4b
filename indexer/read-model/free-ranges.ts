import { clip, mergeIntervals, subtract, type Interval } from '../../shared/schedules/intervals.ts';

export type { Interval };

/**
 * When a professional can be booked: available time minus busy time, clipped to [from, to). The result
 * is sorted, disjoint and never adjacent: touching ranges are merged, so a request that spans them is
 * contained in one range (Elasticsearch's `contains` looks at one range).
 */
export function computeFreeRanges(available: readonly Interval[], busy: readonly Interval[], from: number, to: number): Interval[] {
  return subtract(mergeIntervals(clip(available, from, to)), mergeIntervals(clip(busy, from, to)));
}
