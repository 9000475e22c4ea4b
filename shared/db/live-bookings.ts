import { LIVE_BOOKING_STATUSES } from '../api-shapes.ts';

/**
 * The one SQL predicate for "this booking holds its time" (`status IN ('pending', 'confirmed')`),
 * built from LIVE_BOOKING_STATUSES. Literal text rather than a parameter, so the planner matches it
 * with the partial exclusion index. `column` names the status column (e.g. `b.status`).
 */
export function liveBookingSql(column = 'status'): string {
  return `${column} IN (${LIVE_BOOKING_STATUSES.map((s) => `'${s}'`).join(', ')})`;
}
