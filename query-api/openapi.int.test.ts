import { expect } from 'chai';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestSystem, type TestSystem } from '../scripts/testing/system.ts';
import { eventually, givenProfessional, uniqueId } from '../scripts/testing/builders.ts';
import { schemaChecker } from '../scripts/testing/openapi-conformance.ts';
import { openApiDocument } from './openapi.ts';

type Json = Record<string, unknown>;
const check = schemaChecker(openApiDocument);
const paths = openApiDocument.paths as unknown as Record<string, { get: { responses: Record<string, { content: Record<string, { schema: Json }> }> } }>;
const schemaOf = (path: string, status: string, media = 'application/json') => paths[path]!.get.responses[status]!.content[media]!.schema;

describe('OpenAPI document of the query API against real responses', () => {
  let system: TestSystem;
  let proId: string;
  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true });
    const category = uniqueId('oas').replace(/_/g, '-');
    proId = (await givenProfessional(system, { category, time_zone: 'Asia/Kathmandu' })).id;
    // searchable in Elasticsearch (refreshed) before the API is asked, so no empty page gets cached
    const es = system.query!.deps.es;
    await eventually(async () => (await es.count({ index: system.config.elasticsearch.alias, query: { term: { category } } })).count === 1, 15_000, 100);
  });
  after(() => system.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(openApiDocument);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).to.equal(undefined);
  });

  it('describes a search page, with and without a time window, and every sort', async () => {
    for (const query of [
      { lat: '5.6', long: '-0.18', location_radius_km: '20' },
      { lat: '5.6', long: '-0.18', location_radius_km: '20', sort: 'rate', limit: '1' },
      { lat: '5.6', long: '-0.18', location_radius_km: '20', sort: 'eta', travel_mode: 'car' },
      { lat: '5.6', long: '-0.18', location_radius_km: '20', start_time: new Date(Date.now() + 49 * 3_600_000).toISOString(), duration_minutes: '30' },
    ]) {
      const res = await request(system.query!.app).get('/search/professionals').query(query);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data.length, JSON.stringify(query)).to.be.greaterThan(0);
      check(res.body, schemaOf('/search/professionals', '200'), `SearchPage ${JSON.stringify(query)}`);
    }
  });

  it('describes one professional and the problems', async () => {
    const one = await request(system.query!.app).get(`/search/professionals/${proId}`);
    check(one.body, schemaOf('/search/professionals/{id}', '200'), 'ProfessionalDetail');
    expect(one.body.free_ranges.length).to.be.greaterThan(0);
    const missing = await request(system.query!.app).get('/search/professionals/nobody-here');
    expect(missing.status).to.equal(404);
    check(missing.body, schemaOf('/search/professionals/{id}', '404', 'application/problem+json'), 'Problem 404');
    const bad = await request(system.query!.app).get('/search/professionals').query({ lat: 'x' });
    expect(bad.status).to.equal(400);
    check(bad.body, schemaOf('/search/professionals', '400', 'application/problem+json'), 'Problem 400');
  });
});
