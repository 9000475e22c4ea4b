import { randomBytes } from 'node:crypto';
import type { Principal } from '../../shared/auth.ts';
import { lockProfessional } from '../../shared/db/advisory-lock.ts';
import { pgErrorInfo, withTransaction } from '../../shared/db/pool.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { recordProfessionalEvent } from '../webhook-deliveries/record-event.ts';
import { overlapsLiveBooking } from '../bookings/bookings.repository.ts';
import {
  deleteAvailability,
  findAvailability,
  findProfessional,
  insertAvailability,
  insertProfessional,
  updateProfessional,
  type Availability,
  type Professional,
  type ProfessionalChanges,
  type ProfessionalFields,
} from './professionals.repository.ts';

/** Admins manage everyone; a professional manages only itself. */
export function mayManage(principal: Principal, professionalId: string): boolean {
  return principal.role === 'admin' || (principal.role === 'professional' && principal.professionalId === professionalId);
}

export function generateProfessionalId(): string {
  return `pro_${randomBytes(8).toString('hex')}`;
}

export async function createProfessional(deps: CommandDeps, id: string, fields: ProfessionalFields): Promise<Result<Professional, 'professional_exists'>> {
  const created = await withTransaction(deps.pool, async (tx) => {
    const row = await insertProfessional(tx, id, fields);
    if (row) await markSearchStale(deps.boss, tx, row.id);
    return row;
  });
  if (!created) return fail('professional_exists', `A professional with id "${id}" already exists.`);
  deps.logger.info({ professional_id: id }, 'professional created');
  return ok(created);
}

export async function changeProfessional(
  deps: CommandDeps,
  principal: Principal,
  id: string,
  changes: ProfessionalChanges,
): Promise<Result<Professional, 'professional_not_found' | 'forbidden'>> {
  if (!mayManage(principal, id)) return fail('forbidden', 'Only an admin or this professional can change it.');
  const updated = await withTransaction(deps.pool, async (tx) => {
    await lockProfessional(tx, id);
    const row = await updateProfessional(tx, id, changes);
    if (row) await markSearchStale(deps.boss, tx, row.id);
    if (row) await recordProfessionalEvent(deps.boss, tx, row);
    return row;
  });
  if (!updated) return fail('professional_not_found');
  return ok(updated);
}

export async function addAvailability(
  deps: CommandDeps,
  principal: Principal,
  professionalId: string,
  start: Date,
  end: Date,
): Promise<Result<Availability, 'professional_not_found' | 'forbidden' | 'availability_overlap'>> {
  if (!mayManage(principal, professionalId)) return fail('forbidden', 'Only an admin or this professional can change its availability.');
  try {
    return await withTransaction(deps.pool, async (tx) => {
      if (!(await findProfessional(tx, professionalId))) return fail('professional_not_found');
      const availability = await insertAvailability(tx, professionalId, start, end);
      await markSearchStale(deps.boss, tx, professionalId);
      return ok(availability);
    });
  } catch (err) {
    const { code, constraint } = pgErrorInfo(err);
    if (code === '23P01' && constraint === 'availabilities_no_overlap') {
      return fail('availability_overlap', 'This window overlaps another availability window of this professional.');
    }
    throw err;
  }
}

export async function removeAvailability(
  deps: CommandDeps,
  principal: Principal,
  professionalId: string,
  availabilityId: string,
): Promise<Result<void, 'availability_not_found' | 'forbidden' | 'availability_has_bookings'>> {
  if (!mayManage(principal, professionalId)) return fail('forbidden', 'Only an admin or this professional can change its availability.');
  return withTransaction(deps.pool, async (tx) => {
    // Under the booking lock, so no booking can land in the window while it is being removed.
    await lockProfessional(tx, professionalId);
    const window = await findAvailability(tx, professionalId, availabilityId);
    if (!window) return fail('availability_not_found');
    if (await overlapsLiveBooking(tx, professionalId, window.startTime, window.endTime)) {
      return fail('availability_has_bookings', 'Bookings are held or confirmed inside this window; cancel them first.');
    }
    await deleteAvailability(tx, availabilityId);
    await markSearchStale(deps.boss, tx, professionalId);
    return ok(undefined);
  });
}
