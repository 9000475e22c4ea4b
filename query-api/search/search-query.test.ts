import { expect } from 'chai';
import { validate } from '../../shared/validation.ts';
import { beyondSearchHorizon, cacheKey, canonicalQuery, decodeCursor, encodeCursor, searchQuerySchema, type SearchQuery } from './search-query.ts';

const parse = (query: Record<string, string>): SearchQuery => {
  const result = validate(searchQuerySchema, query);
  if (!result.ok) throw new Error(result.detail);
  return result.value;
};
const base = { lat: '5.6', long: '-0.187', location_radius_km: '10' };

describe('search query', () => {
  it('gives one canonical form to queries that differ only in spelling', () => {
    const a = parse({ ...base, lat: '5.60', category: ' Plumber', start_time: '2030-01-01T11:00:00+01:00', duration_minutes: '60' });
    const b = parse({ category: 'plumber', duration_minutes: '60', start_time: '2030-01-01T10:00:00.000Z', ...base });
    expect(canonicalQuery(a)).to.equal(canonicalQuery(b));
    expect(cacheKey(canonicalQuery(a), a)).to.equal(cacheKey(canonicalQuery(b), b));
  });

  it('tells apart queries that differ in any filter, in the sort or in the page', () => {
    const keys = [
      base,
      { ...base, lat: '5.61' },
      { ...base, category: 'tutor' },
      { ...base, rate_per_minute: '100' },
      { ...base, travel_mode: 'car' },
      { ...base, sort: 'rate' },
      { ...base, limit: '5' },
      { ...base, start_time: '2030-01-01T10:00:00Z', duration_minutes: '60' },
    ].map((query) => {
      const q = parse(query);
      return cacheKey(canonicalQuery(q), q);
    });
    expect(new Set(keys).size).to.equal(keys.length);
  });

  it('defaults to the 20 nearest', () => {
    expect(parse(base)).to.include({ sort: 'distance', limit: 20 });
  });

  describe('cursor', () => {
    const q = parse(base);
    const canonical = canonicalQuery(q);

    it('round-trips the search_after values of the query it was made for, whatever the page size', () => {
      const cursor = encodeCursor(canonical, [1.25, 'pro_1']);
      expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, canonicalQuery(parse({ ...base, limit: '50' })), 'distance')).to.deep.equal({ ok: true, value: [1.25, 'pro_1'] });
      const byRate = encodeCursor(canonicalQuery(parse({ ...base, sort: 'rate' })), [100, 1.25, 'pro_1']);
      expect(decodeCursor(byRate, canonicalQuery(parse({ ...base, sort: 'rate' })), 'rate')).to.deep.equal({ ok: true, value: [100, 1.25, 'pro_1'] });
    });

    it('refuses a cursor made for another query', () => {
      const other = canonicalQuery(parse({ ...base, category: 'tutor' }));
      const result = decodeCursor(encodeCursor(other, [1.25, 'pro_1']), canonical, 'distance');
      expect(result).to.deep.include({ ok: false, code: 'validation_error' });
      expect(!result.ok && result.errors).to.deep.equal([{ field: 'cursor', message: 'cursor belongs to a different query; repeat the query it came from' }]);
    });

    it('refuses cursors whose values do not fit the sort', () => {
      const forge = (a: unknown) => Buffer.from(JSON.stringify({ q: 'x', a })).toString('base64url');
      for (const cursor of ['bm9wZQ', forge([1]), forge(['1', 'p']), forge([-1, 'p']), forge([1, 2]), forge([1.5, 1, 'p']), forge(null)]) {
        expect(decodeCursor(cursor, canonical, 'distance'), cursor).to.deep.include({ ok: false });
      }
      expect(decodeCursor(encodeCursor(canonical, [1.25, 'p']), canonical, 'rate')).to.deep.include({ ok: false });
    });
  });

  describe('the search horizon', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const cases: Array<[start: string, minutes: string, beyond: boolean]> = [
      ['2030-03-01T23:00:00Z', '60', false], // ends exactly 60 days ahead
      ['2030-03-01T23:00:00Z', '65', true], // ends 5 minutes past it
      ['2030-03-02T00:00:00Z', '15', true],
      ['2030-01-01T10:00:00Z', '480', false],
    ];
    for (const [start, minutes, beyond] of cases) {
      it(`${beyond ? 'refuses' : 'accepts'} ${start} for ${minutes} min with a 60-day horizon${beyond ? ', naming start_time' : ''}`, () => {
        const errors = beyondSearchHorizon(parse({ ...base, start_time: start, duration_minutes: minutes }), now, 60);
        expect(errors.map((e) => e.field)).to.deep.equal(beyond ? ['start_time'] : []);
      });
    }
    it('does not apply without a time window', () => {
      expect(beyondSearchHorizon(parse(base), now, 60)).to.deep.equal([]);
    });
  });
});
