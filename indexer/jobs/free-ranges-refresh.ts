import { FREE_RANGES_MARGIN_DAYS } from '../read-model/build-document.ts';
import type { IndexerDeps } from '../deps.ts';
import { requestSyncs } from './read-model-sync.ts';
import { professionalsWithEndedFirstRange } from './ended-ranges.read-model.ts';
import { professionalsWithEndedRanges, professionalsWithScheduleDue, professionalsWithWindowsIn } from './free-ranges-refresh.repository.ts';

/**
 * Free ranges depend on the clock as well as on the data: ranges end, and the horizon end moves on.
 * Changes re-sync a professional at once; this job applies the passage of time:
 * - `ended`, every 5 minutes: professionals whose first free range ended, so next_free_start moves on
 *   (from PostgreSQL: windows that ended, bookings that began; from the index: documents whose
 *   `next_free_end` has passed, which also covers weekly hours);
 * - `horizon`, hourly: professionals with availability in the slice the horizon end just uncovered,
 *   so newly visible time becomes searchable within the hour; and, once a day each (by an hourly bucket
 *   of their id), professionals with weekly hours, whose documents reach a margin past the horizon.
 * It only enqueues ordinary read-model-sync jobs (coalesced per professional by the sync worker).
 * Each run looks back three periods, so a missed run or two loses nothing; extra syncs are harmless.
 */
export const FREE_RANGES_REFRESH_QUEUE = 'search-free-ranges-refresh';

export type RefreshScope = 'ended' | 'horizon';

const SCHEDULES: Record<RefreshScope, { cron: string; lookBackMs: number }> = {
  ended: { cron: '*/5 * * * *', lookBackMs: 15 * 60_000 },
  horizon: { cron: '7 * * * *', lookBackMs: 3 * 3_600_000 },
};

const DAY_MS = 86_400_000;

export async function scheduleFreeRangesRefresh(deps: IndexerDeps): Promise<void> {
  const { boss } = deps;
  if (!(await boss.getQueue(FREE_RANGES_REFRESH_QUEUE))) {
    await boss.createQueue(FREE_RANGES_REFRESH_QUEUE, { policy: 'singleton', retryLimit: 0 });
  }
  await boss.work<{ scope: RefreshScope }>(FREE_RANGES_REFRESH_QUEUE, async ([job]) => {
    if (job) await refreshFreeRanges(deps, job.data.scope);
  });
  for (const [scope, { cron }] of Object.entries(SCHEDULES)) {
    await boss.schedule(FREE_RANGES_REFRESH_QUEUE, cron, { scope }, { key: scope });
  }
}

/** Enqueues a search sync for every professional whose document the clock has changed; returns how many. */
export async function refreshFreeRanges(deps: IndexerDeps, scope: RefreshScope, now = new Date()): Promise<number> {
  const ids = await affectedProfessionals(deps, scope, now.getTime());
  await requestSyncs(deps, ids);
  if (ids.length > 0) deps.logger.info({ scope, professionals: ids.length }, 'free ranges refresh enqueued search syncs');
  return ids.length;
}

async function affectedProfessionals(deps: IndexerDeps, scope: RefreshScope, now: number): Promise<string[]> {
  const { lookBackMs } = SCHEDULES[scope];
  if (scope === 'ended') {
    const [ended, indexed] = await Promise.all([
      professionalsWithEndedRanges(deps.pool, new Date(now - lookBackMs), new Date(now)),
      professionalsWithEndedFirstRange(deps.es, deps.config.elasticsearch.alias, new Date(now)),
    ]);
    return [...new Set([...ended, ...indexed])];
  }
  // Documents reach the margin past the search horizon: that end is the one moving into new windows.
  const horizonEnd = now + (deps.config.search.horizonDays + FREE_RANGES_MARGIN_DAYS) * DAY_MS;
  const hours = Array.from({ length: lookBackMs / 3_600_000 }, (_, i) => new Date(now - i * 3_600_000).getUTCHours());
  const [windows, scheduled] = await Promise.all([
    professionalsWithWindowsIn(deps.pool, new Date(horizonEnd - lookBackMs), new Date(horizonEnd)),
    professionalsWithScheduleDue(deps.pool, hours),
  ]);
  return [...new Set([...windows, ...scheduled])];
}
