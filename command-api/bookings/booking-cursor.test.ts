import { expect } from 'chai';
import { decodeCursor, encodeCursor, filtersFingerprint } from './booking-cursor.ts';

describe('GET /bookings cursor', () => {
  const after = { startTime: new Date('2030-01-01T10:00:00.000Z'), id: '3f0e7c1a-6a4b-4c1e-9a51-2f1b7d9c0e11' };
  const mine = filtersFingerprint({ status: 'confirmed', from: null });

  it('reads back the keyset it was made from, with the same filters', () => {
    expect(decodeCursor(encodeCursor(after, mine), mine)).to.deep.equal(after);
  });
  it('does not depend on the order in which the filters were given', () => {
    expect(filtersFingerprint({ a: 1, b: 'x' })).to.equal(filtersFingerprint({ b: 'x', a: 1 }));
  });
  const refused: Array<[string, string]> = [
    ['another set of filters', encodeCursor(after, filtersFingerprint({ status: 'pending', from: null }))],
    ['text that is not base64url JSON', 'not-a-cursor'],
    ['JSON without the keyset', Buffer.from(JSON.stringify({ f: mine })).toString('base64url')],
    ['an id that is not a UUID', Buffer.from(JSON.stringify({ s: after.startTime.toISOString(), i: 'x', f: mine })).toString('base64url')],
    ['a time that is not an ISO instant', Buffer.from(JSON.stringify({ s: 'yesterday', i: after.id, f: mine })).toString('base64url')],
    ['a JSON array', Buffer.from('[1,2]').toString('base64url')],
  ];
  for (const [name, cursor] of refused) {
    it(`refuses ${name}`, () => expect(decodeCursor(cursor, mine)).to.equal(undefined));
  }
});
