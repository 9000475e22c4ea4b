import type { ProfessionalProfile } from '../../shared/professional.ts';
import { toDocumentAvailability } from '../../shared/schedules/document-availability.ts';
import { availableTime, busyTime, defaultSchedule, type Schedule } from '../../shared/schedules/schedule.ts';
import { documentCells } from '../../shared/search/geo-cells.ts';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { computeFreeRanges, type Interval } from './free-ranges.ts';

/** What PostgreSQL says about one professional at one instant: the input of its search document. */
export interface ProfessionalSnapshot extends ProfessionalProfile {
  searchVersion: number;
  /** Weekly hours, overrides and booking rules; absent = never set (defaults). */
  schedule?: Schedule;
  /** One-off availability windows and the blocked ranges of pending/confirmed bookings, in epoch ms. */
  windows: Interval[];
  busy: Interval[];
}

const DAY_MS = 86_400_000;

/**
 * Weekly hours move every professional's free ranges on as days pass. Free ranges reach this much past
 * the search horizon, so a document stays valid for that long without a re-sync (see free-ranges-refresh).
 */
export const FREE_RANGES_MARGIN_DAYS = 2;

/**
 * The document for a snapshot taken at `now`: free ranges over [now, now + horizon + margin). Pure, so
 * that check-index can rebuild exactly what was indexed from the same data and the document's indexed_at.
 */
export function buildProfessionalDocument(s: ProfessionalSnapshot, now: Date, horizonDays: number): ProfessionalDocument {
  const from = now.getTime();
  const to = from + (horizonDays + FREE_RANGES_MARGIN_DAYS) * DAY_MS;
  const schedule = s.schedule ?? defaultSchedule(s.timeZone);
  const free = computeFreeRanges(availableTime(schedule, s.windows, from, to), busyTime(schedule.rules, s.busy), from, to);
  return {
    id: s.id,
    name: s.name,
    category: s.category.toLowerCase(),
    rate_per_minute: s.ratePerMinute,
    currency: s.currency,
    location: { lat: s.lat, lon: s.long },
    geo_cells: documentCells(s.lat, s.long, s.category.toLowerCase()),
    travel_modes: s.travelModes,
    time_zone: s.timeZone,
    active: s.active,
    free_ranges: free.map(({ start, end }) => ({ gte: new Date(start).toISOString(), lt: new Date(end).toISOString() })),
    next_free_start: free[0] ? new Date(free[0].start).toISOString() : null,
    next_free_end: free[0] ? new Date(free[0].end).toISOString() : null,
    minimum_notice_minutes: schedule.rules.minimumNoticeMinutes,
    booking_horizon_days: schedule.rules.bookingHorizonDays,
    availability: toDocumentAvailability(schedule, s.windows, s.busy, from),
    search_version: s.searchVersion,
    indexed_at: now.toISOString(),
  };
}
