import { expect } from 'chai';
import { circlesWithAPointInside } from '../../scripts/testing/geo.ts';
import { changeTags, differingTime, EPOCH_TAG, professionalTags, searchTags, type IndexedView } from './cache-tags.ts';

const now = new Date('2027-03-10T09:00:00Z');
const hour = (iso: string) => Math.floor(Date.parse(iso) / 3_600_000);

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
const overlap = (a: string[], b: string[]) => a.some((t) => b.includes(t));
const query = { lat: 5.6037, long: -0.187, location_radius_km: 10 };

describe('search cache tags', () => {
  describe('searchTags', () => {
    it('tags a search with the epoch and the cells around it, and no free time without a time window', () => {
      const tags = searchTags(query);
      expect(tags[0]).to.equal(EPOCH_TAG);
      expect(areaTags(tags).length).to.be.within(1, 4);
      expect(freeTimeTags(tags)).to.deep.equal([]);
    });

    it('adds the free time of each cell in each hour a time window touches', () => {
      const oneHour = searchTags({ ...query, start_time: new Date('2027-03-11T10:00:00Z'), duration_minutes: 60 });
      const straddling = searchTags({ ...query, start_time: new Date('2027-03-11T23:30:00Z'), duration_minutes: 60 });
      const cells = areaTags(oneHour).length;
      expect(freeTimeTags(oneHour)).to.have.length(cells);
      expect(freeTimeTags(straddling)).to.have.length(2 * cells);
      expect(freeTimeTags(oneHour).every((t) => t.endsWith(`:${hour('2027-03-11T10:00:00Z')}`))).to.equal(true);
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

  describe('differingTime', () => {
    const cases: Array<[string, Array<[number, number]>, Array<[number, number]>, Array<[number, number]>]> = [
      [
        'nothing for equal sets',
        [
          [0, 10],
          [20, 30],
        ],
        [
          [0, 10],
          [20, 30],
        ],
        [],
      ],
      [
        'the part cut out of a range',
        [[0, 10]],
        [
          [0, 4],
          [6, 10],
        ],
        [[4, 6]],
      ],
      [
        'the part added to a range, merged with its neighbours',
        [
          [0, 4],
          [6, 10],
        ],
        [[0, 10]],
        [[4, 6]],
      ],
      [
        'a whole range removed',
        [
          [0, 4],
          [6, 10],
        ],
        [[0, 4]],
        [[6, 10]],
      ],
      [
        'both directions at once',
        [[0, 4]],
        [[2, 8]],
        [
          [0, 2],
          [4, 8],
        ],
      ],
      [
        'everything against nothing',
        [],
        [
          [1, 3],
          [5, 7],
        ],
        [
          [1, 3],
          [5, 7],
        ],
      ],
      [
        'adjacent ranges as one span',
        [
          [0, 5],
          [5, 10],
        ],
        [[0, 10]],
        [],
      ],
    ];
    for (const [name, a, b, expected] of cases) it(`gives ${name}`, () => expect(differingTime(a, b)).to.deep.equal(expected));
  });

  describe('changeTags', () => {
    const cases: Array<{ name: string; before: IndexedView | undefined; after: IndexedView | undefined; area: boolean; hours: number[] }> = [
      { name: 'a new document touches its area', before: undefined, after: view(), area: true, hours: [] },
      { name: 'a removed document touches its area', before: view(), after: undefined, area: true, hours: [] },
      { name: 'a rate change touches the area', before: view(), after: view({ rate_per_minute: 120 }), area: true, hours: [] },
      { name: 'a deactivation touches the area', before: view(), after: view({ active: false }), area: true, hours: [] },
      {
        name: 'a booking touches the hours it took, not the area',
        before: view(),
        after: view({
          free_ranges: [
            { gte: '2027-03-11T08:00:00.000Z', lt: '2027-03-11T17:00:00.000Z' },
            { gte: '2027-03-12T08:00:00.000Z', lt: '2027-03-12T10:00:00.000Z' },
            { gte: '2027-03-12T11:30:00.000Z', lt: '2027-03-12T17:00:00.000Z' },
          ],
        }),
        area: false,
        hours: [hour('2027-03-12T10:00:00Z'), hour('2027-03-12T11:00:00Z')],
      },
      {
        name: 'a cancellation touches the hours it freed',
        before: view({
          free_ranges: [
            { gte: '2027-03-11T08:00:00.000Z', lt: '2027-03-11T17:00:00.000Z' },
            { gte: '2027-03-12T08:00:00.000Z', lt: '2027-03-12T10:00:00.000Z' },
            { gte: '2027-03-12T11:00:00.000Z', lt: '2027-03-12T17:00:00.000Z' },
          ],
        }),
        after: view(),
        area: false,
        hours: [hour('2027-03-12T10:00:00Z')],
      },
      {
        name: 'a booking that moves the next free start touches the area',
        before: view(),
        after: view({
          next_free_start: '2027-03-11T09:00:00.000Z',
          free_ranges: [
            { gte: '2027-03-11T09:00:00.000Z', lt: '2027-03-11T17:00:00.000Z' },
            { gte: '2027-03-12T08:00:00.000Z', lt: '2027-03-12T17:00:00.000Z' },
          ],
        }),
        area: true,
        hours: [],
      },
      {
        name: 'a running range indexed at another instant is no change',
        before: view({ next_free_start: '2027-03-10T08:30:00.000Z', free_ranges: [{ gte: '2027-03-10T08:30:00.000Z', lt: '2027-03-10T17:00:00.000Z' }] }),
        after: view({ next_free_start: '2027-03-10T09:00:00.000Z', free_ranges: [{ gte: '2027-03-10T09:00:00.000Z', lt: '2027-03-10T17:00:00.000Z' }] }),
        area: false,
        hours: [],
      },
      {
        name: 'a long new window touches the area rather than hundreds of hours',
        before: view(),
        after: view({ free_ranges: [...view().free_ranges, { gte: '2027-03-20T00:00:00.000Z', lt: '2027-04-20T00:00:00.000Z' }] }),
        area: true,
        hours: [],
      },
      { name: 'rewriting the same document touches only the professional', before: view(), after: view(), area: false, hours: [] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const tags = changeTags('pro1', c.before, c.after, now);
        expect(tags).to.include('p:pro1');
        expect(areaTags(tags).length > 0, 'area tags').to.equal(c.area);
        const hours = [...new Set(freeTimeTags(tags).map((t) => Number(t.split(':').pop()!.split('/')[0])))].sort();
        expect(hours).to.deep.equal(c.hours);
      });
    }

    it('narrows by category: a plumber’s change reaches plumber searches and searches of any category, not electrician searches', () => {
      const booking = changeTags('pro1', view(), view({ free_ranges: [{ gte: '2027-03-11T08:00:00.000Z', lt: '2027-03-11T10:00:00.000Z' }] }), now);
      const window = { start_time: new Date('2027-03-11T12:00:00Z'), duration_minutes: 60 };
      expect(overlap(booking, searchTags({ ...query, ...window, category: 'plumber' }))).to.equal(true);
      expect(overlap(booking, searchTags({ ...query, ...window }))).to.equal(true);
      expect(overlap(booking, searchTags({ ...query, ...window, category: 'electrician' }))).to.equal(false);
      const recategorised = changeTags('pro1', view(), view({ category: 'car mechanic' }), now);
      expect(overlap(recategorised, searchTags({ ...query, category: 'car mechanic' }))).to.equal(true);
      expect(overlap(recategorised, searchTags({ ...query, category: 'plumber' }))).to.equal(true);
      expect(
        recategorised.every((t) => !t.includes(' ')),
        'no spaces: tags travel space-separated',
      ).to.equal(true);
    });

    it('touches the cells of both the old and the new location when a professional moves', () => {
      const moved = changeTags('pro1', view(), view({ location: { lat: 6.7, lon: -1.6 } }), now);
      const here = areaTags(changeTags('pro1', undefined, view(), now));
      const there = areaTags(changeTags('pro1', undefined, view({ location: { lat: 6.7, lon: -1.6 } }), now));
      expect(areaTags(moved)).to.include.members([...here, ...there]);
    });

    it('touches a tag of every search whose circle holds the professional (random points, the whole globe)', () => {
      for (const { q, point } of circlesWithAPointInside(5000)) {
        const touched = new Set(changeTags('p', undefined, view({ location: point }), now));
        const tags = areaTags(searchTags(q));
        expect(
          tags.some((t) => touched.has(t)),
          `${JSON.stringify(q)} → ${point.lat},${point.lon}`,
        ).to.equal(true);
      }
    });
  });
});
