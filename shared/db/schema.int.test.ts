import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { dropDatabase, ensureDatabase } from '../../scripts/local-stack/postgres.ts';
import { freshDatabase, services } from '../../scripts/testing/services.ts';

describe('database schema', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let client: pg.Client;

  before(async () => {
    db = await freshDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes)
       VALUES ('p1', 'Ama', 'plumber', 100, 'GHS', 5.6, -0.18, ARRAY['car'])`,
    );
  });
  after(async () => {
    await client.end();
    await db.drop();
  });

  const insertBooking = (id: string, start: string, end: string, status = 'pending', key = id) =>
    client.query(
      `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, status, price_amount, currency, hold_expires_at, idempotency_key)
       VALUES ($1, 'p1', 'c1', $2, $3, $4, 100, 'GHS', now() + interval '15 minutes', $5)`,
      [id, start, end, status, key],
    );

  it('refuses a second live booking that overlaps the first, whatever the code does', async () => {
    await insertBooking('00000000-0000-4000-8000-000000000001', '2030-01-01T10:00Z', '2030-01-01T11:00Z');
    const err = await insertBooking('00000000-0000-4000-8000-000000000002', '2030-01-01T10:30Z', '2030-01-01T11:30Z').catch((e) => e);
    expect(err).to.have.property('code', '23P01');
    expect(err).to.have.property('constraint', 'bookings_no_double_booking');
  });

  it('accepts back-to-back bookings and overlaps with expired or cancelled ones', async () => {
    await insertBooking('00000000-0000-4000-8000-000000000003', '2030-01-01T11:00Z', '2030-01-01T12:00Z');
    await insertBooking('00000000-0000-4000-8000-000000000004', '2030-01-01T10:00Z', '2030-01-01T11:00Z', 'expired');
    await insertBooking('00000000-0000-4000-8000-000000000005', '2030-01-01T10:00Z', '2030-01-01T11:00Z', 'cancelled');
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM bookings`);
    expect(rows[0].n).to.equal(4);
  });

  it('refuses overlapping availability windows of one professional', async () => {
    await client.query(`INSERT INTO availabilities (professional_id, start_time, end_time) VALUES ('p1', '2030-01-01T08:00Z', '2030-01-01T12:00Z')`);
    const err = await client
      .query(`INSERT INTO availabilities (professional_id, start_time, end_time) VALUES ('p1', '2030-01-01T11:00Z', '2030-01-01T13:00Z')`)
      .catch((e) => e);
    expect(err).to.have.property('constraint', 'availabilities_no_overlap');
  });

  it('refuses a window that ends before it starts', async () => {
    const err = await client
      .query(`INSERT INTO availabilities (professional_id, start_time, end_time) VALUES ('p1', '2030-02-01T12:00Z', '2030-02-01T11:00Z')`)
      .catch((e) => e);
    expect(err).to.have.property('constraint', 'availabilities_end_after_start');
  });
});

describe('blocked-range migration', () => {
  const name = `m_${randomBytes(6).toString('hex')}`;
  let client: pg.Client;
  const migrateUp = (url: string, count?: number) =>
    runner({
      databaseUrl: url,
      dir: fileURLToPath(new URL('./migrations', import.meta.url)),
      direction: 'up',
      migrationsTable: 'schema_migrations',
      singleTransaction: true,
      log: () => {},
      ...(count ? { count } : {}),
    });

  after(async () => {
    await client?.end();
    await dropDatabase(services().postgres.adminUrl, name);
  });

  it('fills the blocked range of existing bookings and moves the no-double-booking constraint onto it', async () => {
    await ensureDatabase(services().postgres.adminUrl, name);
    const url = services().postgres.urlFor(name);
    await migrateUp(url, 1);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes)
       VALUES ('p1', 'Ama', 'plumber', 100, 'GHS', 5.6, -0.18, ARRAY['car'])`,
    );
    await client.query(
      `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, status, price_amount, currency, hold_expires_at, idempotency_key)
       VALUES ('00000000-0000-4000-8000-0000000000a1', 'p1', 'c1', '2030-01-01T10:00Z', '2030-01-01T11:00Z', 'confirmed', 100, 'GHS', now(), 'k1')`,
    );
    await migrateUp(url);
    const { rows } = await client.query(`SELECT blocked_start, blocked_end FROM bookings`);
    expect(rows[0].blocked_start.toISOString()).to.equal('2030-01-01T10:00:00.000Z');
    expect(rows[0].blocked_end.toISOString()).to.equal('2030-01-01T11:00:00.000Z');
    // A booking whose buffer reaches into the existing one is refused, though the bookings themselves do not overlap.
    const err = await client
      .query(
        `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, blocked_start, blocked_end, status, price_amount, currency, hold_expires_at, idempotency_key)
         VALUES ('00000000-0000-4000-8000-0000000000a2', 'p1', 'c2', '2030-01-01T11:00Z', '2030-01-01T12:00Z', '2030-01-01T10:45Z', '2030-01-01T12:00Z', 'pending', 100, 'GHS', now(), 'k2')`,
      )
      .catch((e) => e);
    expect(err).to.have.property('constraint', 'bookings_no_double_booking');
  });

  it("moves a booking's blocked range with its times, keeping the buffers it was booked with", async () => {
    await client.query(
      `INSERT INTO bookings (id, professional_id, client_id, start_time, end_time, blocked_start, blocked_end, status, price_amount, currency, hold_expires_at, idempotency_key)
       VALUES ('00000000-0000-4000-8000-0000000000a3', 'p1', 'c3', '2030-02-01T11:00Z', '2030-02-01T12:00Z', '2030-02-01T10:50Z', '2030-02-01T12:30Z', 'pending', 100, 'GHS', now(), 'k3')`,
    );
    await client.query(`UPDATE bookings SET start_time = '2030-02-02T11:00Z', end_time = '2030-02-02T12:00Z' WHERE idempotency_key = 'k3'`);
    const { rows } = await client.query(`SELECT blocked_start, blocked_end FROM bookings WHERE idempotency_key = 'k3'`);
    expect([rows[0].blocked_start.toISOString(), rows[0].blocked_end.toISOString()]).to.deep.equal(['2030-02-02T10:50:00.000Z', '2030-02-02T12:30:00.000Z']);
  });
});
