import { testPool } from '../../scripts/testing/services.ts';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { startTestSystem, type TestSystem } from '../../scripts/testing/system.ts';
import { addMinutes, book, givenProfessional, hoursFromNow, uniqueId } from '../../scripts/testing/builders.ts';
import { schemaChecker } from '../../scripts/testing/openapi-conformance.ts';
import { openApiDocument } from '../openapi.ts';

describe('GET /bookings', () => {
  let system: TestSystem;
  let db: pg.Pool;
  const checkSchema = schemaChecker(openApiDocument);

  before(async () => {
    system = await startTestSystem({ command: true });
    db = testPool(system.databaseUrl, 2);
  });
  after(async () => {
    await db.end();
    await system.close();
  });

  const app = () => system.command!.app;
  const list = (token: string, query: Record<string, string | number> = {}) =>
    request(app()).get('/bookings').query(query).set('Authorization', `Bearer ${token}`);

  /** Every page, following next_cursor. */
  async function allPages(token: string, query: Record<string, string | number>) {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(token, { ...query, ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      ids.push(...res.body.data.map((b: { id: string }) => b.id));
      cursor = res.body.page.next_cursor;
    } while (cursor);
    return ids;
  }

  /** A professional with bookings by two clients at hourly starts (in the order given, not time order). */
  async function aProfessionalWithBookings() {
    const pro = await givenProfessional(system, {}, { start: hoursFromNow(48), end: hoursFromNow(60) });
    const alice = uniqueId('alice');
    const bob = uniqueId('bob');
    const made: Array<{ id: string; client: string; start: Date }> = [];
    for (const [client, hour] of [
      [alice, 3],
      [bob, 0],
      [alice, 1],
      [bob, 5],
      [alice, 2],
    ] as const) {
      const start = addMinutes(pro.window.start, hour * 60);
      const res = await book(app(), await system.token('client', client), { professional_id: pro.id, start_time: start.toISOString(), duration_minutes: 60 });
      expect(res.status).to.equal(201);
      made.push({ id: res.body.id, client, start });
    }
    const byStart = (xs: typeof made) => [...xs].sort((a, b) => a.start.getTime() - b.start.getTime()).map((x) => x.id);
    return { pro, alice, bob, made, byStart };
  }

  it('shows a client its own bookings, ordered by start time, in the documented shape', async () => {
    const { alice, made, byStart } = await aProfessionalWithBookings();
    const res = await list(await system.token('client', alice));
    expect(res.status).to.equal(200);
    checkSchema(res.body, { $ref: '#/components/schemas/BookingPage' }, 'GET /bookings');
    expect(res.body.data.map((b: { id: string }) => b.id)).to.deep.equal(byStart(made.filter((m) => m.client === alice)));
    expect(res.body.page).to.deep.equal({ limit: 20, next_cursor: null });
  });

  it('shows a professional the bookings made with it, and an admin everyone’s, narrowed by professional_id and client_id', async () => {
    const { pro, bob, made, byStart } = await aProfessionalWithBookings();
    const other = await aProfessionalWithBookings();
    const proToken = await system.token('professional', 'p', { professional_id: pro.id });
    expect(await allPages(proToken, { limit: 2 })).to.deep.equal(byStart(made));
    // A filter narrows what the caller may see; it never widens it.
    expect(await allPages(proToken, { professional_id: other.pro.id })).to.deep.equal([]);
    const admin = await system.token('admin', 'ops');
    expect(await allPages(admin, { professional_id: pro.id, limit: 3 })).to.deep.equal(byStart(made));
    expect(await allPages(admin, { professional_id: pro.id, client_id: bob })).to.deep.equal(byStart(made.filter((m) => m.client === bob)));
    expect(await allPages(await system.token('client', bob), { client_id: other.alice })).to.deep.equal([]);
  });

  it('filters by status and by a start time window [from, to)', async () => {
    const { pro, made, byStart } = await aProfessionalWithBookings();
    const admin = await system.token('admin', 'ops');
    const cancelled = made[0]!;
    await db.query(`UPDATE bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [cancelled.id]);
    expect(await allPages(admin, { professional_id: pro.id, status: 'cancelled' })).to.deep.equal([cancelled.id]);
    expect(await allPages(admin, { professional_id: pro.id, status: 'pending' })).to.deep.equal(byStart(made.filter((m) => m !== cancelled)));
    const from = addMinutes(pro.window.start, 60);
    const to = addMinutes(pro.window.start, 180);
    expect(await allPages(admin, { professional_id: pro.id, from: from.toISOString(), to: to.toISOString() })).to.deep.equal(
      byStart(made.filter((m) => m.start >= from && m.start < to)),
    );
  });

  it('orders bookings that start at the same time by id, and pages through them without repeating or skipping one', async () => {
    const admin = await system.token('admin', 'ops');
    const start = hoursFromNow(30);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const pro = await givenProfessional(system, { id: uniqueId('same') }, { start, end: addMinutes(start, 60) });
      const res = await book(app(), await system.token('client', uniqueId('c')), {
        professional_id: pro.id,
        start_time: start.toISOString(),
        duration_minutes: 60,
      });
      ids.push(res.body.id);
    }
    const from = start.toISOString();
    const to = addMinutes(start, 1).toISOString();
    expect(await allPages(admin, { from, to, limit: 2 })).to.deep.equal([...ids].sort());
  });

  it('neither repeats nor skips a booking when others are inserted between pages, before and after the cursor', async () => {
    const pro = await givenProfessional(system, {}, { start: hoursFromNow(48), end: hoursFromNow(60) });
    const token = await system.token('professional', 'p', { professional_id: pro.id });
    const at = (hour: number) => addMinutes(pro.window.start, hour * 60);
    const bookAt = async (hour: number) =>
      (await book(app(), await system.token('client', uniqueId('c')), { professional_id: pro.id, start_time: at(hour).toISOString(), duration_minutes: 30 }))
        .body.id as string;
    const early = [await bookAt(2), await bookAt(4), await bookAt(6), await bookAt(8)];
    const first = await list(token, { limit: 2 });
    expect(first.body.data.map((b: { id: string }) => b.id)).to.deep.equal(early.slice(0, 2));
    // While the client reads page 1: one booking lands before the cursor, two after it, concurrently.
    const [before, between, last] = await Promise.all([bookAt(0), bookAt(5), bookAt(10)]);
    const rest: string[] = [];
    let cursor: string | null = first.body.page.next_cursor;
    while (cursor) {
      const res = await list(token, { limit: 2, cursor });
      rest.push(...res.body.data.map((b: { id: string }) => b.id));
      cursor = res.body.page.next_cursor;
    }
    expect(rest).to.deep.equal([between, early[2], early[3], last]);
    expect(rest).not.to.include(before); // it starts before the cursor: the next listing from the start shows it
  });

  it('answers 400 validation_error for a malformed cursor, a cursor of other filters, and bad parameters', async () => {
    const { alice } = await aProfessionalWithBookings();
    const token = await system.token('client', alice);
    const page = await list(token, { limit: 1 });
    const cursor = page.body.page.next_cursor as string;
    expect(cursor).to.be.a('string');
    expect((await list(token, { limit: 1, cursor })).status).to.equal(200);
    const bad: Array<Record<string, string | number>> = [
      { cursor: 'bm90LWEtY3Vyc29y' },
      { cursor: 'not a cursor!' },
      { cursor: `${cursor}x` },
      { cursor, status: 'pending' },
      { limit: 0 },
      { limit: 101 },
      { limit: 'ten' },
      { status: 'done' },
      { from: 'yesterday' },
      { from: hoursFromNow(2).toISOString(), to: hoursFromNow(1).toISOString() },
      { unknown: 1 },
    ];
    for (const query of bad) {
      const res = await list(token, query);
      expect([res.status, res.body.code], JSON.stringify(query)).to.deep.equal([400, 'validation_error']);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    }
  });

  it('requires a bearer token', async () => {
    expect((await request(app()).get('/bookings')).status).to.equal(401);
  });
});
