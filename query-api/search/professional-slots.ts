import { fail, ok, type Result } from '../../shared/errors.ts';
import { fromDocumentAvailability } from '../../shared/schedules/document-availability.ts';
import { MINUTE_MS } from '../../shared/schedules/intervals.ts';
import { slotStarts } from '../../shared/schedules/schedule.ts';
import type { QueryDeps } from '../deps.ts';
import { timeElasticsearch } from '../metrics.ts';
import { getSlotsSource, isElasticsearchUnavailable, readModel, type SlotsSource } from './professionals-read-model.ts';

export interface SlotsQuery {
  from: Date;
  to: Date;
  duration_minutes: number;
}

export interface SlotsAnswer {
  professional_id: string;
  time_zone: string;
  duration_minutes: number;
  slots: Array<{ start_time: string; end_time: string }>;
}

/**
 * The starts POST /bookings would accept now, from the read model. Not cached: the answer moves with
 * the clock (notice, horizon), and one document read by id is all it costs.
 */
export async function professionalSlots(
  deps: QueryDeps,
  id: string,
  q: SlotsQuery,
): Promise<Result<SlotsAnswer, 'professional_not_found' | 'search_unavailable'>> {
  try {
    const doc = await timeElasticsearch(deps.metrics, 'get', () => getSlotsSource(deps.es, readModel(deps), id));
    if (!doc?.active) return fail('professional_not_found');
    return ok(slotsOf(doc, q, Date.now()));
  } catch (err) {
    if (!isElasticsearchUnavailable(err)) throw err;
    deps.logger.warn({ err: (err as Error).message }, 'search unavailable: Elasticsearch did not answer');
    return fail('search_unavailable');
  }
}

export function slotsOf(doc: SlotsSource, q: SlotsQuery, now: number): SlotsAnswer {
  const duration = q.duration_minutes * MINUTE_MS;
  const starts = doc.availability
    ? (() => {
        const { schedule, windows, blocked } = fromDocumentAvailability(doc.time_zone, doc.availability);
        return slotStarts(schedule, { from: q.from.getTime(), to: q.to.getTime(), durationMinutes: q.duration_minutes, now, windows, blocked });
      })()
    : [];
  return {
    professional_id: doc.id,
    time_zone: doc.time_zone,
    duration_minutes: q.duration_minutes,
    slots: starts.map((t) => ({ start_time: new Date(t).toISOString(), end_time: new Date(t + duration).toISOString() })),
  };
}
