import type { Principal } from '../../shared/auth.ts';
import { lockProfessional } from '../../shared/db/advisory-lock.ts';
import { withTransaction, type Queryable } from '../../shared/db/pool.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import { zoneOffsets, localDate } from '../../shared/schedules/local-time.ts';
import { DEFAULT_RULES, type BookingRules } from '../../shared/schedules/schedule.ts';
import type { StoredOverride, StoredSchedule, StoredWeeklyInterval } from '../../shared/schedules/stored-schedule.ts';
import { DAY_MS } from '../../shared/schedules/intervals.ts';
import type { CommandDeps } from '../deps.ts';
import { findProfessional } from '../professionals/professionals.repository.ts';
import { mayManage } from '../professionals/manage-professionals.ts';
import { markSearchStale } from '../mark-search-stale.ts';
import { deleteOverride, readStoredSchedule, upsertOverride, upsertSchedule } from './schedules.repository.ts';

export interface ScheduleView extends StoredSchedule {
  timeZone: string;
}

const FORBIDDEN = 'Only an admin or this professional can change its schedule.';

/** Today's date in the professional's time zone: overrides from it on are "future". */
function today(timeZone: string, now: Date): string {
  return localDate(Math.floor(zoneOffsets(timeZone).toLocal(now.getTime()) / DAY_MS));
}

async function view(db: Queryable, professionalId: string, timeZone: string, now: Date): Promise<ScheduleView> {
  const stored = await readStoredSchedule(db, professionalId, today(timeZone, now));
  return { timeZone, weekly: stored.weekly ?? [], rules: stored.rules ?? DEFAULT_RULES, overrides: stored.overrides ?? [] };
}

export async function getSchedule(deps: CommandDeps, professionalId: string): Promise<Result<ScheduleView, 'professional_not_found'>> {
  const professional = await findProfessional(deps.pool, professionalId);
  if (!professional) return fail('professional_not_found');
  return ok(await view(deps.pool, professionalId, professional.timeZone, deps.now()));
}

/** Replaces weekly hours and rules in one transaction with the search_version bump and the sync job. */
export async function replaceSchedule(
  deps: CommandDeps,
  principal: Principal,
  professionalId: string,
  weekly: StoredWeeklyInterval[],
  rules: BookingRules,
  timeZone?: string,
): Promise<Result<ScheduleView, 'professional_not_found' | 'forbidden' | 'validation_error'>> {
  if (!mayManage(principal, professionalId)) return fail('forbidden', FORBIDDEN);
  return withTransaction(deps.pool, async (tx) => {
    // Under the booking lock: a booking being held sees the old schedule or the new one, never a mix.
    await lockProfessional(tx, professionalId);
    const professional = await findProfessional(tx, professionalId);
    if (!professional) return fail('professional_not_found');
    if (timeZone !== undefined && timeZone !== professional.timeZone) {
      const message = `time_zone is read-only here (${professional.timeZone}); change it with PATCH /professionals/${professionalId}`;
      return fail('validation_error', message, [{ field: 'time_zone', message }]);
    }
    await upsertSchedule(tx, professionalId, weekly, rules);
    await markSearchStale(deps.boss, tx, professionalId);
    deps.logger.info({ professional_id: professionalId }, 'schedule replaced');
    return ok(await view(tx, professionalId, professional.timeZone, deps.now()));
  });
}

export async function putOverride(
  deps: CommandDeps,
  principal: Principal,
  professionalId: string,
  override: StoredOverride,
): Promise<Result<StoredOverride, 'professional_not_found' | 'forbidden'>> {
  if (!mayManage(principal, professionalId)) return fail('forbidden', FORBIDDEN);
  return withTransaction(deps.pool, async (tx) => {
    await lockProfessional(tx, professionalId);
    if (!(await findProfessional(tx, professionalId))) return fail('professional_not_found');
    await upsertOverride(tx, professionalId, override);
    await markSearchStale(deps.boss, tx, professionalId);
    return ok(override);
  });
}

/** Back to the weekly hours on that date; removing an override that does not exist changes nothing. */
export async function removeOverride(
  deps: CommandDeps,
  principal: Principal,
  professionalId: string,
  date: string,
): Promise<Result<void, 'professional_not_found' | 'forbidden'>> {
  if (!mayManage(principal, professionalId)) return fail('forbidden', FORBIDDEN);
  return withTransaction(deps.pool, async (tx) => {
    await lockProfessional(tx, professionalId);
    if (!(await findProfessional(tx, professionalId))) return fail('professional_not_found');
    if (await deleteOverride(tx, professionalId, date)) await markSearchStale(deps.boss, tx, professionalId);
    return ok(undefined);
  });
}
