import { expect } from 'chai';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { eventually, givenProfessional } from '../../scripts/testing/builders.ts';
import { createLogger } from '../../shared/logger.ts';
import { createApp } from '../app.ts';
import { createRuntime } from '../main.ts';

describe('conditional search requests (ETag, If-None-Match, Cache-Control)', function () {
  this.timeout(60_000);
  let system: TestSystem;
  let pro: { id: string };
  const q = { lat: 5.6037, long: -0.187, location_radius_km: 10, category: 'etagtest' };

  before(async () => {
    system = await startTestSystem({ command: true, query: true, indexerWorkers: true });
    pro = await givenProfessional(system, { category: 'etagtest', rate_per_minute: 150 });
    const { es } = system.query!.deps;
    await eventually(async () => (await es.count({ index: system.config.elasticsearch.alias, query: { term: { category: 'etagtest' } } })).count === 1);
  });
  after(() => system.close());

  const search = () => request(system.query!.url).get('/search/professionals').query(q);
  const detail = () => request(system.query!.url).get(`/search/professionals/${pro.id}`);

  for (const [name, get] of [
    ['a search', search],
    ['a professional', detail],
  ] as const) {
    it(`tags ${name} with an ETag and public max-age=1, and answers 304 without a body to If-None-Match naming it`, async () => {
      const first = await get();
      expect(first.status).to.equal(200);
      expect(first.headers.etag).to.match(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers['cache-control']).to.equal('public, max-age=1');
      const cached = await get();
      expect(cached.headers['x-cache']).to.equal('HIT');
      expect(cached.headers.etag, 'the same tag for the cached body').to.equal(first.headers.etag);

      const notModified = await get().set('If-None-Match', first.headers.etag!);
      expect(notModified.status).to.equal(304);
      expect(notModified.text ?? '').to.equal('');
      expect(notModified.headers.etag).to.equal(first.headers.etag);
      expect(notModified.headers['cache-control']).to.equal('public, max-age=1');

      const listed = await get().set('If-None-Match', `"other", ${first.headers.etag}`);
      expect(listed.status).to.equal(304);
      const other = await get().set('If-None-Match', '"something-else"');
      expect(other.status).to.equal(200);
      expect(other.text).to.equal(first.text);
    });
  }

  it('gives the same ETag for the same answer on another instance', async () => {
    const first = await detail();
    const other = await createRuntime(system.config, { logger: createLogger({ name: 'other', level: 'silent' }) });
    try {
      const res = await request(createApp(other.deps)).get(`/search/professionals/${pro.id}`).set('If-None-Match', first.headers.etag!);
      expect(res.status).to.equal(304);
    } finally {
      await other.close();
    }
  });

  it('changes the ETag once the professional changes, so the old tag gets the new answer (200)', async () => {
    const before = await detail();
    const admin = await system.token('admin', 'admin-1');
    const patched = await request(system.command!.app).patch(`/professionals/${pro.id}`).set('Authorization', `Bearer ${admin}`).send({ rate_per_minute: 175 });
    expect(patched.status).to.equal(200);
    const after = await eventually(async () => {
      const res = await detail().set('If-None-Match', before.headers.etag!);
      return res.status === 200 && res.body.rate_per_minute === 175 ? res : undefined;
    });
    expect(after.headers.etag).not.to.equal(before.headers.etag);
    expect((await detail().set('If-None-Match', after.headers.etag!)).status).to.equal(304);
  });

  it('sends no ETag or public caching with an error', async () => {
    const missing = await request(system.query!.url).get('/search/professionals/nobody-has-this-id');
    expect(missing.status).to.equal(404);
    expect(missing.headers.etag).to.equal(undefined);
    expect(missing.headers['cache-control'] ?? '').not.to.include('public');
  });
});
