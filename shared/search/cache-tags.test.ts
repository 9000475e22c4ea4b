import { expect } from 'chai';
import { changeTags, EPOCH_TAG, professionalTags, searchTags, type IndexedView } from './cache-tags.ts';

const DAY = 86_400_000;
const now = new Date('2027-03-10T09:00:00Z');
const today = Math.floor(now.getTime() / DAY);

function view(overrides: Partial<IndexedView> = {}): IndexedView {
  return {
    name: 'Ama',
    category: 'plumber',
    rate_per_minute: 100,
    currency: 'GHS',
    location: { lat: 5.6037, lon: -0.187 },
    travel_modes: ['car'],
    active: true,
    next_free_start: '2027-03-11T08:00:00.000Z',
    free_ranges: [
      { gte: '2027-03-11T08:00:00.000Z', lt: '2027-03-11T17:00:00.000Z' },
      { gte: '2027-03-12T08:00:00.000Z', lt: '2027-03-12T17:00:00.000Z' },
    ],
    ...overrides,
  };
}

const areaTags = (tags: string[]) => tags.filter((t) => t.startsWith('pc:'));
const freeTimeTags = (tags: string[]) => tags.filter((t) => t.startsWith('ac:'));
const query = { lat: 5.6037, long: -0.187, location_radius_km: 10 };

describe('search cache tags', () => {
  describe('searchTags', () => {
    it('tags a search with the epoch and the cells around it, and no free time without a time window', () => {
      const tags = searchTags(query);
      expect(tags[0]).to.equal(EPOCH_TAG);
      expect(areaTags(tags).length).to.be.within(1, 4);
      expect(freeTimeTags(tags)).to.deep.equal([]);
    });

    it('adds the free time of each cell on each UTC day a time window touches', () => {
      const sameDay = searchTags({ ...query, start_time: new Date('2027-03-11T10:00:00Z'), duration_minutes: 60 });
      const overMidnight = searchTags({ ...query, start_time: new Date('2027-03-11T23:30:00Z'), duration_minutes: 60 });
      const cells = areaTags(sameDay).length;
      expect(freeTimeTags(sameDay)).to.have.length(cells);
      expect(freeTimeTags(overMidnight)).to.have.length(2 * cells);
      expect(freeTimeTags(sameDay).every((t) => t.endsWith(`:${today + 1}`))).to.equal(true);
    });

    const wide = [
      { where: 'at the equator', lat: 0, long: 0 },
      { where: 'near a pole', lat: 89.5, long: 10 },
      { where: 'across the antimeridian', lat: 60, long: 179.9 },
    ];
    for (const { where, lat, long } of wide) {
      it(`keeps the tags of a 200 km search ${where} few enough to check on every hit`, () => {
        const tags = areaTags(searchTags({ lat, long, location_radius_km: 200 }));
        expect(tags.length).to.be.within(1, 256);
        expect(new Set(tags).size).to.equal(tags.length);
      });
    }

    it('tags a professional answer with the epoch and the professional', () => {
      expect(professionalTags('pro1')).to.deep.equal([EPOCH_TAG, 'p:pro1']);
    });
  });

  describe('changeTags', () => {
    const cases: Array<{ name: string; before: IndexedView | undefined; after: IndexedView | undefined; area: boolean; days: number[] }> = [
      { name: 'a new document touches its area and all its free days', before: undefined, after: view(), area: true, days: [today + 1, today + 2] },
      { name: 'a removed document touches its area and all its free days', before: view(), after: undefined, area: true, days: [today + 1, today + 2] },
      { name: 'a rate change touches the area and every free day', before: view(), after: view({ rate_per_minute: 120 }), area: true, days: [today + 1, today + 2] },
      {
        name: 'a booking on one day touches that day only, not the area',
        before: view(),
        after: view({
          free_ranges: [
            { gte: '2027-03-11T08:00:00.000Z', lt: '2027-03-11T17:00:00.000Z' },
            { gte: '2027-03-12T08:00:00.000Z', lt: '2027-03-12T10:00:00.000Z' },
            { gte: '2027-03-12T11:00:00.000Z', lt: '2027-03-12T17:00:00.000Z' },
          ],
        }),
        area: false,
        days: [today + 2],
      },
      {
        name: 'a booking that moves the next free start touches the area too',
        before: view(),
        after: view({
          next_free_start: '2027-03-11T09:00:00.000Z',
          free_ranges: [
            { gte: '2027-03-11T09:00:00.000Z', lt: '2027-03-11T17:00:00.000Z' },
            { gte: '2027-03-12T08:00:00.000Z', lt: '2027-03-12T17:00:00.000Z' },
          ],
        }),
        area: true,
        days: [today + 1, today + 2],
      },
      {
        name: 'a running range indexed at another instant is no change',
        before: view({ next_free_start: '2027-03-10T08:30:00.000Z', free_ranges: [{ gte: '2027-03-10T08:30:00.000Z', lt: '2027-03-10T17:00:00.000Z' }] }),
        after: view({ next_free_start: '2027-03-10T09:00:00.000Z', free_ranges: [{ gte: '2027-03-10T09:00:00.000Z', lt: '2027-03-10T17:00:00.000Z' }] }),
        area: false,
        days: [],
      },
      { name: 'rewriting the same document touches only the professional', before: view(), after: view(), area: false, days: [] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const tags = changeTags('pro1', c.before, c.after, now);
        expect(tags).to.include('p:pro1');
        expect(areaTags(tags).length > 0, 'area tags').to.equal(c.area);
        const days = [...new Set(freeTimeTags(tags).map((t) => Number(t.split(':').pop())))].sort();
        expect(days).to.deep.equal(c.days);
      });
    }

    it('touches the cells of both the old and the new location when a professional moves', () => {
      const moved = changeTags('pro1', view(), view({ location: { lat: 6.7, lon: -1.6 } }), now);
      const here = areaTags(changeTags('pro1', undefined, view(), now));
      const there = areaTags(changeTags('pro1', undefined, view({ location: { lat: 6.7, lon: -1.6 } }), now));
      expect(areaTags(moved)).to.include.members([...here, ...there]);
    });

    it('touches a tag of every search whose circle holds the professional (random points, the whole globe)', () => {
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 5000; i++) {
        const q = { lat: random() * 180 - 90, long: random() * 360 - 180, location_radius_km: 0.5 + random() * 199.5 };
        // a point inside the circle: a random bearing and distance from its centre
        const [lat, lon] = destination(q.lat, q.long, random() * 360, random() * q.location_radius_km);
        const touched = new Set(changeTags('p', undefined, view({ location: { lat, lon } }), now));
        const tags = areaTags(searchTags(q));
        expect(tags.some((t) => touched.has(t)), `${JSON.stringify(q)} → ${lat},${lon}`).to.equal(true);
      }
    });
  });
});

/** The point `km` from (lat, lon) along `bearing` degrees, on a sphere of Earth's mean radius. */
function destination(lat: number, lon: number, bearing: number, km: number): [number, number] {
  const rad = Math.PI / 180;
  const d = km / 6371.0088;
  const φ1 = lat * rad;
  const θ = bearing * rad;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(θ));
  const λ2 = lon * rad + Math.atan2(Math.sin(θ) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
  return [φ2 / rad, ((((λ2 / rad + 540) % 360) + 360) % 360) - 180];
}
