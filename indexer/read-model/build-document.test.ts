import { expect } from 'chai';
import { buildProfessionalDocument, FREE_RANGES_MARGIN_DAYS, type ProfessionalSnapshot } from './build-document.ts';
import { DEFAULT_RULES, emptyWeek } from '../../shared/schedules/schedule.ts';
import { documentCells } from '../../shared/search/geo-cells.ts';

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
      geo_cells: documentCells(5.6037, -0.187, 'plumber'),
      travel_modes: ['car', 'walking'],
      time_zone: 'Africa/Accra',
      active: true,
      free_ranges: [],
      next_free_start: null,
      next_free_end: null,
      minimum_notice_minutes: 0,
      booking_horizon_days: 365,
      availability: { rules: [0, 0, 0, 365, 5], weekly: [], overrides: [], windows: [], blocked: [] },
      search_version: 7,
      indexed_at: '2030-01-01T00:00:00.000Z',
    });
  });

  it('lists free ranges within the horizon (plus the margin) as date ranges and starts next_free_start at the first', () => {
    const t = now.getTime();
    const doc = buildProfessionalDocument(
      snapshot({
        windows: [
          { start: t + 2 * H, end: t + 6 * H },
          { start: t + 47 * H, end: t + 50 * H },
        ],
        busy: [{ start: t + 2 * H, end: t + 3 * H }],
      }),
      now,
      2 - FREE_RANGES_MARGIN_DAYS,
    );
    expect(doc.free_ranges).to.deep.equal([
      { gte: '2030-01-01T03:00:00.000Z', lt: '2030-01-01T06:00:00.000Z' },
      { gte: '2030-01-02T23:00:00.000Z', lt: '2030-01-03T00:00:00.000Z' },
    ]);
    expect(doc.next_free_start).to.equal('2030-01-01T03:00:00.000Z');
  });

  it('adds weekly hours in the professional’s zone, keeps buffers around bookings out, and carries what slots need', () => {
    const weekly = emptyWeek();
    weekly[1] = [{ start: 9 * 60, end: 12 * 60 }]; // Tuesday 09:00–12:00 in Kathmandu (+05:45) = 03:15–06:15Z
    const t = now.getTime(); // Tuesday 2030-01-01 00:00Z
    const booking = { start: t + 4 * H, end: t + 5 * H }; // 04:00–05:00Z, booked without buffers
    const doc = buildProfessionalDocument(
      snapshot({
        timeZone: 'Asia/Kathmandu',
        schedule: {
          timeZone: 'Asia/Kathmandu',
          rules: { ...DEFAULT_RULES, bufferBeforeMinutes: 15, minimumNoticeMinutes: 60, bookingHorizonDays: 10 },
          weekly,
          overrides: new Map([['2030-01-08', []]]),
        },
        windows: [{ start: t + 20 * H, end: t + 21 * H }],
        busy: [booking],
      }),
      now,
      7,
    );
    // a new booking needs 15 min before it: nothing may start in [04:00, 05:15)
    expect(doc.free_ranges.slice(0, 3)).to.deep.equal([
      { gte: '2030-01-01T03:15:00.000Z', lt: '2030-01-01T04:00:00.000Z' },
      { gte: '2030-01-01T05:15:00.000Z', lt: '2030-01-01T06:15:00.000Z' },
      { gte: '2030-01-01T20:00:00.000Z', lt: '2030-01-01T21:00:00.000Z' },
    ]);
    // the next Tuesday (within the 7 + margin days) is closed by its override
    expect(doc.free_ranges.map((r) => r.gte.slice(0, 10))).to.deep.equal(['2030-01-01', '2030-01-01', '2030-01-01']);
    expect(FREE_RANGES_MARGIN_DAYS).to.be.greaterThan(0);
    expect(doc).to.deep.include({ minimum_notice_minutes: 60, booking_horizon_days: 10 });
    expect(doc.availability).to.deep.equal({
      rules: [15, 0, 60, 10, 5],
      weekly: [[2, 540, 720]],
      overrides: [['2030-01-08', []]],
      windows: [[t + 20 * H, t + 21 * H]],
      blocked: [[t + 4 * H, t + 5 * H]],
    });
  });
});
