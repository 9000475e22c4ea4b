import type { TravelMode } from '../config.ts';
import { computeFreeRanges, type Interval } from './free-ranges.ts';
import type { ProfessionalProfile } from '../professional.ts';

/** What PostgreSQL says about one professional at one instant: the input of its search document. */
export interface ProfessionalSnapshot extends ProfessionalProfile {
  searchVersion: number;
  /** Availability windows and pending/confirmed bookings, in epoch ms. */
  windows: Interval[];
  busy: Interval[];
}

/** A date_range value as Elasticsearch stores it: [gte, lt). */
export interface DateRange {
  gte: string;
  lt: string;
}

/** The read model: one Elasticsearch document per professional (see professionals-index.ts for its mapping). */
export interface ProfessionalDocument {
  id: string;
  name: string;
  category: string;
  rate_per_minute: number;
  currency: string;
  location: { lat: number; lon: number };
  travel_modes: TravelMode[];
  time_zone: string;
  /** Inactive professionals stay indexed (so external versions keep ordering every write) and are filtered out. */
  active: boolean;
  free_ranges: DateRange[];
  next_free_start: string | null;
  search_version: number;
  indexed_at: string;
}

const DAY_MS = 86_400_000;

/**
 * The document for a snapshot taken at `now`: free ranges over [now, now + horizon). Pure, so that
 * check-index can rebuild exactly what was indexed from the same data and the document's indexed_at.
 */
export function buildProfessionalDocument(s: ProfessionalSnapshot, now: Date, horizonDays: number): ProfessionalDocument {
  const from = now.getTime();
  const free = computeFreeRanges(s.windows, s.busy, from, from + horizonDays * DAY_MS);
  return {
    id: s.id,
    name: s.name,
    category: s.category.toLowerCase(),
    rate_per_minute: s.ratePerMinute,
    currency: s.currency,
    location: { lat: s.lat, lon: s.long },
    travel_modes: s.travelModes,
    time_zone: s.timeZone,
    active: s.active,
    free_ranges: free.map(({ start, end }) => ({ gte: new Date(start).toISOString(), lt: new Date(end).toISOString() })),
    next_free_start: free[0] ? new Date(free[0].start).toISOString() : null,
    search_version: s.searchVersion,
    indexed_at: now.toISOString(),
  };
}
