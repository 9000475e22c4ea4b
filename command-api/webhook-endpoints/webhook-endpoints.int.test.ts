import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { givenProfessional } from '../../scripts/testing/builders.ts';

describe('webhook endpoints API', () => {
  let system: TestSystem;
  let db: pg.Pool;
  let admin: string;

  before(async () => {
    system = await startTestSystem({ command: true }); // production rules: https and public addresses only
    db = new pg.Pool({ connectionString: system.databaseUrl, max: 2 });
    admin = await system.token('admin', 'ops');
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const app = () => system.command!.app;
  const create = (token: string, body: unknown) =>
    request(app())
      .post('/webhook-endpoints')
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);
  const get = (token: string, path: string) => request(app()).get(path).set('Authorization', `Bearer ${token}`);
  const count = async () => (await db.query(`SELECT count(*)::int AS n FROM webhook_endpoints`)).rows[0].n as number;
  const proToken = (id: string) => system.token('professional', id, { professional_id: id });

  it('creates an endpoint: 201 with status enabled and a whsec_ secret shown only on creation and rotation', async () => {
    const res = await create(admin, { url: 'https://203.0.114.7/hooks', events: ['booking.created', 'booking.cancelled'], description: 'CRM' });
    expect(res.status).to.equal(201);
    expect(res.headers.location).to.equal(`/webhook-endpoints/${res.body.id}`);
    expect(res.body).to.include({ url: 'https://203.0.114.7/hooks', status: 'enabled', description: 'CRM', professional_id: null });
    expect(res.body.events).to.deep.equal(['booking.created', 'booking.cancelled']);
    expect(res.body.secret).to.match(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(new Date(res.body.created_at).getTime()).to.be.closeTo(Date.now(), 60_000);

    const fetched = await get(admin, `/webhook-endpoints/${res.body.id}`);
    expect(fetched.status).to.equal(200);
    expect(fetched.body).to.not.have.property('secret');
    const listed = await get(admin, '/webhook-endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).to.include(res.body.id);
    expect(listed.text).to.not.include(res.body.secret);

    const rotated = await request(app()).post(`/webhook-endpoints/${res.body.id}/rotate-secret`).set('Authorization', `Bearer ${admin}`);
    expect(rotated.status).to.equal(200);
    expect(rotated.body.secret)
      .to.match(/^whsec_/)
      .and.not.equal(res.body.secret);
    expect(new Date(rotated.body.previous_secret_expires_at).getTime() - Date.now()).to.be.closeTo(24 * 3_600_000, 60_000);
  });

  it('changes url, events, description and status with PATCH, and deletes with DELETE', async () => {
    const { body: ep } = await create(admin, { url: 'https://203.0.114.7/a', events: ['booking.created'] });
    const patched = await request(app())
      .patch(`/webhook-endpoints/${ep.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ url: 'https://203.0.114.8/b', events: ['booking.refunded'], description: 'ops', status: 'disabled' });
    expect(patched.status).to.equal(200);
    expect(patched.body).to.include({ url: 'https://203.0.114.8/b', description: 'ops', status: 'disabled' });
    expect(patched.body.disabled_reason).to.match(/Disabled by admin ops/);
    expect(patched.body.events).to.deep.equal(['booking.refunded']);
    const refused = await request(app()).patch(`/webhook-endpoints/${ep.id}`).set('Authorization', `Bearer ${admin}`).send({ url: 'https://10.0.0.1/' });
    expect(refused.status).to.equal(422);
    expect((await get(admin, `/webhook-endpoints/${ep.id}`)).body.url).to.equal('https://203.0.114.8/b');

    expect((await request(app()).delete(`/webhook-endpoints/${ep.id}`).set('Authorization', `Bearer ${admin}`)).status).to.equal(204);
    const gone = await get(admin, `/webhook-endpoints/${ep.id}`);
    expect(gone.status).to.equal(404);
    expect(gone.body.code).to.equal('webhook_endpoint_not_found');
  });

  it('answers 403 to clients on every webhook endpoint route', async () => {
    const client = await system.token('client', 'alice');
    const { body: ep } = await create(admin, { url: 'https://203.0.114.7/c', events: ['booking.created'] });
    const before = await count();
    const responses = await Promise.all([
      create(client, { url: 'https://203.0.114.7/x', events: ['booking.created'] }),
      get(client, '/webhook-endpoints'),
      get(client, `/webhook-endpoints/${ep.id}`),
      get(client, `/webhook-endpoints/${ep.id}/deliveries`),
      request(app()).post(`/webhook-endpoints/${ep.id}/rotate-secret`).set('Authorization', `Bearer ${client}`),
      request(app()).delete(`/webhook-endpoints/${ep.id}`).set('Authorization', `Bearer ${client}`),
    ]);
    for (const res of responses) {
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('forbidden');
    }
    expect(await count()).to.equal(before);
    expect((await request(app()).get('/webhook-endpoints')).status).to.equal(401);
  });

  it('scopes a professional to its own endpoints; others’ answer 404; admins see all', async () => {
    const [a, b] = [await givenProfessional(system), await givenProfessional(system)];
    const mine = await create(await proToken(a.id), { url: 'https://203.0.114.7/a', events: ['booking.confirmed', 'professional.updated'] });
    expect(mine.status).to.equal(201);
    expect(mine.body.professional_id).to.equal(a.id);
    const theirs = await create(await proToken(b.id), { url: 'https://203.0.114.7/b', events: ['booking.confirmed'] });
    const listA = await get(await proToken(a.id), '/webhook-endpoints');
    expect(listA.body.data.map((e: { id: string }) => e.id)).to.deep.equal([mine.body.id]);
    for (const path of [`/webhook-endpoints/${theirs.body.id}`, `/webhook-endpoints/${theirs.body.id}/deliveries`]) {
      const res = await get(await proToken(a.id), path);
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('webhook_endpoint_not_found');
    }
    const del = await request(app())
      .delete(`/webhook-endpoints/${theirs.body.id}`)
      .set('Authorization', `Bearer ${await proToken(a.id)}`);
    expect(del.status).to.equal(404);
    // A professional whose profile does not exist (yet) may still subscribe to its own events.
    const ghost = await create(await proToken('ghost-pro'), { url: 'https://203.0.114.7/g', events: ['booking.created'] });
    expect(ghost.status).to.equal(201);
    expect(ghost.body.professional_id).to.equal('ghost-pro');
    const all = await get(admin, '/webhook-endpoints');
    expect(all.body.data.map((e: { id: string }) => e.id)).to.include.members([mine.body.id, theirs.body.id]);
  });

  const bad: Array<[string, unknown, string]> = [
    ['an invalid URL', { url: 'not a url', events: ['booking.created'] }, 'url'],
    ['a relative URL', { url: '/hooks', events: ['booking.created'] }, 'url'],
    ['an ftp URL', { url: 'ftp://hooks.example.com/', events: ['booking.created'] }, 'url'],
    ['a javascript: URL', { url: 'javascript:alert(1)', events: ['booking.created'] }, 'url'],
    ['credentials in the URL', { url: 'https://u:p@hooks.example.com/', events: ['booking.created'] }, 'url'],
    ['a missing url', { events: ['booking.created'] }, 'url'],
    ['a URL over 2048 characters', { url: `https://hooks.example.com/${'a'.repeat(2100)}`, events: ['booking.created'] }, 'url'],
    ['an unknown event name', { url: 'https://hooks.example.com/', events: ['booking.exploded'] }, 'events.0'],
    ['empty events', { url: 'https://hooks.example.com/', events: [] }, 'events'],
    ['missing events', { url: 'https://hooks.example.com/' }, 'events'],
    ['a repeated event', { url: 'https://hooks.example.com/', events: ['booking.created', 'booking.created'] }, 'events.1'],
    ['events that are not a list', { url: 'https://hooks.example.com/', events: 'booking.created' }, 'events'],
    ['an unknown field', { url: 'https://hooks.example.com/', events: ['booking.created'], secret: 'whsec_mine' }, 'secret'],
    ['a NUL character in the description', { url: 'https://hooks.example.com/', events: ['booking.created'], description: 'a\u0000b' }, 'description'],
    ['a description over 500 characters', { url: 'https://hooks.example.com/', events: ['booking.created'], description: 'd'.repeat(501) }, 'description'],
  ];
  for (const [what, body, field] of bad) {
    it(`answers 400 validation_error naming ${field} for ${what}, storing nothing`, async () => {
      const before = await count();
      const res = await create(admin, body);
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.code).to.equal('validation_error');
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
      expect(await count()).to.equal(before);
    });
  }

  const refused = [
    'http://hooks.example.com/',
    'https://127.0.0.1/hooks',
    'https://localhost:8443/',
    'https://[::1]/',
    'https://10.1.2.3/',
    'https://192.168.0.10/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fe80::1]/',
    'https://metadata.google.internal/',
    'https://0.0.0.0/',
    'https://2130706433/',
  ];
  for (const url of refused) {
    it(`answers 422 webhook_url_not_allowed for ${url}, storing nothing`, async () => {
      const before = await count();
      const res = await create(admin, { url, events: ['booking.created'] });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('webhook_url_not_allowed');
      expect(res.body.detail).to.be.a('string');
      expect(await count()).to.equal(before);
    });
  }

  it('answers 404 for unknown ids, 400 for a bad delivery filter or cursor', async () => {
    const { body: ep } = await create(admin, { url: 'https://203.0.114.7/d', events: ['booking.created'] });
    expect((await get(admin, '/webhook-endpoints/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    expect((await get(admin, '/webhook-endpoints/not-a-uuid')).status).to.equal(404);
    const retry = await request(app())
      .post(`/webhook-endpoints/${ep.id}/deliveries/00000000-0000-4000-8000-000000000000/retry`)
      .set('Authorization', `Bearer ${admin}`);
    expect(retry.status).to.equal(404);
    expect(retry.body.code).to.equal('webhook_delivery_not_found');
    for (const q of ['?status=lost', '?limit=0', '?limit=101', '?cursor=!!', '?cursor=eyJzIjoiYSJ9']) {
      const res = await get(admin, `/webhook-endpoints/${ep.id}/deliveries${q}`);
      expect(res.status, q).to.equal(400);
      expect(res.body.code).to.equal('validation_error');
    }
    const empty = await get(admin, `/webhook-endpoints/${ep.id}/deliveries`);
    expect(empty.body).to.deep.equal({ data: [], page: { limit: 20, next_cursor: null } });
  });
});

describe('webhook endpoints in development mode (WEBHOOKS_ALLOW_PRIVATE_URLS=true)', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ command: true, env: { WEBHOOKS_ALLOW_PRIVATE_URLS: 'true' } });
  });
  after(() => system.close());

  const cases: Array<[string, number]> = [
    ['http://127.0.0.1:4000/hooks', 201],
    ['http://localhost:4000/hooks', 201],
    ['https://10.1.2.3/hooks', 201],
    ['http://169.254.169.254/latest/meta-data/', 422],
    ['http://[fe80::1]/', 422],
    ['http://metadata.google.internal/', 422],
    ['http://0.0.0.0/', 422],
    ['ftp://127.0.0.1/', 400],
  ];
  for (const [url, status] of cases) {
    it(`answers ${status} for ${url}`, async () => {
      const admin = await system.token('admin', 'ops');
      const res = await request(system.command!.app)
        .post('/webhook-endpoints')
        .set('Authorization', `Bearer ${admin}`)
        .send({ url, events: ['booking.created'] });
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
    });
  }
});
