import { expect } from 'chai';
import pg from 'pg';
import { freshDatabase } from '../../scripts/testing/services.ts';

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
