import type { TravelMode } from '../config.ts';
import type { DocumentAvailability } from '../schedules/document-availability.ts';

/*
 * The shape of the read model, shared by the indexer (which builds it: indexer/read-model/), the
 * reindex script and the query side. The mapping is in professionals-index.ts.
 */

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
  /** The cells of shared/search/geo-cells.ts it lies in, alone and with its category: a search's leading filter. */
  geo_cells: string[];
  travel_modes: TravelMode[];
  time_zone: string;
  /** Inactive professionals stay indexed (so external versions keep ordering every write) and are filtered out. */
  active: boolean;
  /** Where a booking fits (available time minus busy time widened by the buffers); not notice or horizon, which move with the clock. */
  free_ranges: DateRange[];
  next_free_start: string | null;
  /** End of the first free range: once it has passed, the document needs a re-sync (free-ranges-refresh). */
  next_free_end: string | null;
  /** Applied at query time, when `now` is known. */
  minimum_notice_minutes: number;
  booking_horizon_days: number;
  /** Not indexed: what the slots endpoint computes from. */
  availability: DocumentAvailability;
  search_version: number;
  indexed_at: string;
}
