import { expect } from 'chai';
import { buildProfessionalDocument, type ProfessionalSnapshot } from './professional-document.ts';

const H = 3_600_000;
const now = new Date('2030-01-01T00:00:00Z');
const snapshot = (over: Partial<ProfessionalSnapshot> = {}): ProfessionalSnapshot => ({
  id: 'pro_1',
  name: 'Ama Mensah',
  category: 'Plumber',
  ratePerMinute: 150,
  currency: 'GHS',
  lat: 5.6037,
  long: -0.187,
  travelModes: ['car', 'walking'],
  timeZone: 'Africa/Accra',
  active: true,
  searchVersion: 7,
  windows: [],
  busy: [],
  ...over,
});

describe('buildProfessionalDocument', () => {
  it('maps a professional to its search document at its search_version', () => {
    const doc = buildProfessionalDocument(snapshot(), now, 60);
    expect(doc).to.deep.equal({
      id: 'pro_1',
      name: 'Ama Mensah',
      category: 'plumber',
      rate_per_minute: 150,
      currency: 'GHS',
      location: { lat: 5.6037, lon: -0.187 },
      travel_modes: ['car', 'walking'],
      time_zone: 'Africa/Accra',
      active: true,
      free_ranges: [],
      next_free_start: null,
      search_version: 7,
      indexed_at: '2030-01-01T00:00:00.000Z',
    });
  });

  it('lists free ranges within the horizon as date ranges and starts next_free_start at the first', () => {
    const t = now.getTime();
    const doc = buildProfessionalDocument(
      snapshot({ windows: [{ start: t + 2 * H, end: t + 6 * H }, { start: t + 47 * H, end: t + 50 * H }], busy: [{ start: t + 2 * H, end: t + 3 * H }] }),
      now,
      2,
    );
    expect(doc.free_ranges).to.deep.equal([
      { gte: '2030-01-01T03:00:00.000Z', lt: '2030-01-01T06:00:00.000Z' },
      { gte: '2030-01-02T23:00:00.000Z', lt: '2030-01-03T00:00:00.000Z' },
    ]);
    expect(doc.next_free_start).to.equal('2030-01-01T03:00:00.000Z');
  });
});
