import { expect } from 'chai';
import type { ProfessionalDocument } from '../../shared/search/professional-document.ts';
import { professionalDetail } from './get-professional.ts';

const H = 3_600_000;
const D = 24 * H;
const now = Date.parse('2030-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('professionalDetail', () => {
  const doc = {
    id: 'p1',
    name: 'Ama',
    category: 'plumber',
    rate_per_minute: 100,
    currency: 'GHS',
    location: { lat: 5.6, lon: -0.2 },
    travel_modes: ['car'],
    time_zone: 'Africa/Accra',
    active: true,
    free_ranges: [
      { gte: iso(now - 2 * H), lt: iso(now - H) }, // over
      { gte: iso(now - H), lt: iso(now + H) }, // running: starts once the notice has passed
      { gte: iso(now + 59 * D), lt: iso(now + 62 * D) }, // reaches past the 60-day horizon
      { gte: iso(now + 61 * D), lt: iso(now + 61 * D + H) }, // wholly past it
    ],
    next_free_start: iso(now - H),
    next_free_end: iso(now + H),
    minimum_notice_minutes: 30,
    booking_horizon_days: 365,
  } as unknown as ProfessionalDocument;

  it('shows free ranges from now + notice up to the search horizon', () => {
    const detail = professionalDetail(doc, now, 60);
    expect(detail.free_ranges).to.deep.equal([
      { start_time: iso(now + 30 * 60_000), end_time: iso(now + H) },
      { start_time: iso(now + 59 * D), end_time: iso(now + 60 * D) },
    ]);
    expect(detail.next_free_start).to.equal(iso(now + 30 * 60_000));
  });
});
