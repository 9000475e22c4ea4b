/** Pure decisions of webhook delivery: retries, lane order, when to give up on an endpoint. */

/** An endpoint whose attempts have all failed for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3_600_000;

/** Longer than a receiver may take to answer, so a live worker's lease never lapses under it. */
export const LEASE_MARGIN_MS = 5_000;

/**
 * Seconds to wait after the `attemptsMade`-th failed attempt, or undefined when the schedule is
 * spent and the delivery has failed. The first attempt is immediate; schedule[i] precedes attempt i+2.
 */
export function retryDelaySeconds(schedule: readonly number[], attemptsMade: number): number | undefined {
  return attemptsMade >= 1 ? schedule[attemptsMade - 1] : undefined;
}

export function isSuccessStatus(status: number | null): boolean {
  return status !== null && status >= 200 && status <= 299;
}

/** True when this failure, with every attempt since `failingSince` failed too, should disable the endpoint. */
export function shouldDisable(failingSince: Date | null, now: Date, afterMs: number = DISABLE_AFTER_MS): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= afterMs;
}

export function disabledReason(failingSince: Date, lastError: string): string {
  return `Disabled automatically: every delivery attempt since ${failingSince.toISOString()} failed (5 days). Last error: ${lastError}`;
}

/** Events about one booking (or one professional's profile) reach an endpoint in the order they happened. */
export function orderingKey(subject: { bookingId: string } | { professionalId: string }): string {
  return 'bookingId' in subject ? `booking:${subject.bookingId}` : `professional:${subject.professionalId}`;
}

export interface LaneHead {
  /** The oldest pending delivery of the lane (endpoint, ordering key). */
  nextAttemptAt: Date;
  leaseUntil: Date | null;
}

export type LaneDecision =
  | { kind: 'idle' } // nothing pending
  | { kind: 'paused' } // the endpoint is disabled: its deliveries wait until it is enabled again
  | { kind: 'busy'; until: Date } // another worker is attempting the head; look again when its lease ends
  | { kind: 'wait'; until: Date } // the head's next retry is not due; later events wait behind it
  | { kind: 'attempt' };

/** What a worker does with a lane: only its head may be attempted, and only when due and not leased. */
export function laneDecision(head: LaneHead | undefined, endpointEnabled: boolean, now: Date): LaneDecision {
  if (!head) return { kind: 'idle' };
  if (!endpointEnabled) return { kind: 'paused' };
  if (head.leaseUntil && head.leaseUntil.getTime() > now.getTime()) return { kind: 'busy', until: head.leaseUntil };
  if (head.nextAttemptAt.getTime() > now.getTime()) return { kind: 'wait', until: head.nextAttemptAt };
  return { kind: 'attempt' };
}
