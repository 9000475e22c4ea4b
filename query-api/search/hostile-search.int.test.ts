import { expect } from 'chai';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';

describe('GET /search/professionals under hostile input', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ query: true, indexer: true });
  });
  after(() => system.close());

  const search = (params: Record<string, string>) =>
    request(system.query!.app)
      .get('/search/professionals')
      .query({ lat: '5.6', long: '-0.18', location_radius_km: '10', ...params });

  for (const start of ['9999-12-31T23:30:00Z', '0000-01-01T00:30:00+01:00', '9999-12-31T21:00:00-05:00']) {
    it(`answers 400 validation_error naming start_time for a window from ${start}`, async () => {
      const res = await search({ start_time: start, duration_minutes: '60' });
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.code).to.equal('validation_error');
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['start_time']);
    });
  }

  for (const start of ['0000-01-01T00:00:00Z', '9999-12-31T22:00:00Z']) {
    it(`answers without a 5xx for the extreme window from ${start} that stays inside years 0000–9999`, async () => {
      const res = await search({ start_time: start, duration_minutes: '60' });
      expect(res.status, JSON.stringify(res.body)).to.be.below(500);
    });
  }

  it('answers 400 validation_error for control characters in a text parameter', async () => {
    for (const category of ['plumb\u0000er', 'plumb\u001ber']) {
      const res = await search({ category });
      expect(res.status).to.equal(400);
      expect(res.body.errors[0].field).to.equal('category');
    }
  });
});
