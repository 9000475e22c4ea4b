import type { TravelMode } from './config.ts';

/** A professional's profile as every part of the system reads it from the `professionals` table. */
export interface ProfessionalProfile {
  id: string;
  name: string;
  category: string;
  ratePerMinute: number;
  currency: string;
  lat: number;
  long: number;
  travelModes: TravelMode[];
  timeZone: string;
  active: boolean;
}

export interface ProfileRow {
  id: string;
  name: string;
  category: string;
  rate_per_minute: number;
  currency: string;
  lat: number;
  long: number;
  travel_modes: TravelMode[];
  time_zone: string;
  active: boolean;
}

export function toProfile(r: ProfileRow): ProfessionalProfile {
  return {
    id: r.id,
    name: r.name,
    category: r.category,
    ratePerMinute: r.rate_per_minute,
    currency: r.currency,
    lat: r.lat,
    long: r.long,
    travelModes: r.travel_modes,
    timeZone: r.time_zone,
    active: r.active,
  };
}
