import type { Queryable } from '../../shared/db/pool.ts';
import { toProfile, type ProfessionalProfile, type ProfileRow } from '../../shared/professional.ts';
import type { CancellationTier } from '../bookings/booking-lifecycle.ts';

export interface Professional extends ProfessionalProfile {
  cancellationPolicy: CancellationTier[];
  searchVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Availability {
  id: string;
  professionalId: string;
  startTime: Date;
  endTime: Date;
}

export type ProfessionalFields = Omit<Professional, 'id' | 'searchVersion' | 'createdAt' | 'updatedAt' | 'cancellationPolicy'>;
export type ProfessionalChanges = Partial<ProfessionalFields> & { cancellationPolicy?: CancellationTier[] };

const COLUMNS = `id, name, category, rate_per_minute, currency, lat, long, travel_modes, time_zone, active, cancellation_policy, search_version, created_at, updated_at`;

// Column for each updatable field; only these names ever reach the SQL text.
const FIELD_COLUMNS: Record<keyof ProfessionalChanges, string> = {
  name: 'name',
  category: 'category',
  ratePerMinute: 'rate_per_minute',
  currency: 'currency',
  lat: 'lat',
  long: 'long',
  travelModes: 'travel_modes',
  timeZone: 'time_zone',
  active: 'active',
  cancellationPolicy: 'cancellation_policy',
};

type StoredTier = { hours_before: number; refund_percent: number };

function toProfessional(r: ProfileRow & { cancellation_policy: StoredTier[]; search_version: number; created_at: Date; updated_at: Date }): Professional {
  return {
    ...toProfile(r),
    cancellationPolicy: r.cancellation_policy.map((t) => ({ hoursBefore: t.hours_before, refundPercent: t.refund_percent })),
    searchVersion: r.search_version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Inserts, or returns undefined when the id is taken. */
export async function insertProfessional(db: Queryable, id: string, p: ProfessionalFields): Promise<Professional | undefined> {
  const { rows } = await db.query(
    `INSERT INTO professionals (id, name, category, rate_per_minute, currency, lat, long, travel_modes, time_zone, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [id, p.name, p.category, p.ratePerMinute, p.currency, p.lat, p.long, p.travelModes, p.timeZone, p.active],
  );
  return rows[0] ? toProfessional(rows[0]) : undefined;
}

export async function findProfessional(db: Queryable, id: string): Promise<Professional | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM professionals WHERE id = $1`, [id]);
  return rows[0] ? toProfessional(rows[0]) : undefined;
}

export async function updateProfessional(db: Queryable, id: string, changes: ProfessionalChanges): Promise<Professional | undefined> {
  const entries = (Object.keys(changes) as (keyof ProfessionalChanges)[]).filter((k) => changes[k] !== undefined);
  const sets = entries.map((k, i) => `${FIELD_COLUMNS[k]} = $${i + 2}`);
  // jsonb goes as JSON text (pg would send a JS array as a PostgreSQL array).
  const value = (k: keyof ProfessionalChanges) =>
    k === 'cancellationPolicy'
      ? JSON.stringify(changes.cancellationPolicy!.map((t): StoredTier => ({ hours_before: t.hoursBefore, refund_percent: t.refundPercent })))
      : changes[k];
  const { rows } = await db.query(`UPDATE professionals SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, [
    id,
    ...entries.map(value),
  ]);
  return rows[0] ? toProfessional(rows[0]) : undefined;
}

export async function insertAvailability(db: Queryable, professionalId: string, start: Date, end: Date): Promise<Availability> {
  const { rows } = await db.query(
    `INSERT INTO availabilities (professional_id, start_time, end_time) VALUES ($1, $2, $3)
     RETURNING id, professional_id, start_time, end_time`,
    [professionalId, start, end],
  );
  const r = rows[0];
  return { id: r.id, professionalId: r.professional_id, startTime: r.start_time, endTime: r.end_time };
}

export async function findAvailability(db: Queryable, professionalId: string, availabilityId: string): Promise<Availability | undefined> {
  const { rows } = await db.query(`SELECT id, professional_id, start_time, end_time FROM availabilities WHERE id = $1 AND professional_id = $2`, [
    availabilityId,
    professionalId,
  ]);
  const r = rows[0];
  return r ? { id: r.id, professionalId: r.professional_id, startTime: r.start_time, endTime: r.end_time } : undefined;
}

export async function deleteAvailability(db: Queryable, availabilityId: string): Promise<void> {
  await db.query(`DELETE FROM availabilities WHERE id = $1`, [availabilityId]);
}
