/**
 * The booking state machine, in one pure module: which transitions exist, who may do what, the
 * refund and reschedule policies and what "live" means. Every path that changes a booking (create,
 * pay, expire, cancel, reschedule, late payment) asks here; repositories only carry the decision out
 * (their updates stay conditional on the status they leave, as a net under concurrent writers).
 */
import { LIVE_BOOKING_STATUSES, type BookingStatus } from '../../shared/api-shapes.ts';
import type { Principal } from '../../shared/auth.ts';

export type { BookingStatus };

/** What a decision needs to know about a booking. */
export interface BookingFacts {
  clientId: string;
  professionalId: string;
  status: BookingStatus;
  startTime: Date;
  priceAmount: number;
  holdExpiresAt: Date;
  confirmedAt: Date | null;
  refundId: string | null;
  refundAmount: number | null;
  refundStatus: string | null;
}

export const INITIAL_STATUS: BookingStatus = 'pending';

export type Transition = 'confirm' | 'confirm_late' | 'expire' | 'cancel' | 'reschedule';

/** Every allowed transition: from which statuses, to which. A reschedule keeps the status. */
export const TRANSITIONS: Record<Transition, { from: readonly BookingStatus[]; to: BookingStatus | 'unchanged' }> = {
  confirm: { from: ['pending'], to: 'confirmed' },
  // A payment that arrives after its hold lapsed, while the slot is still free.
  confirm_late: { from: ['expired'], to: 'confirmed' },
  expire: { from: ['pending'], to: 'expired' },
  cancel: { from: ['pending', 'confirmed'], to: 'cancelled' },
  reschedule: { from: ['pending', 'confirmed'], to: 'unchanged' },
};

export function canTransition(from: BookingStatus, transition: Transition): boolean {
  return TRANSITIONS[transition].from.includes(from);
}

/** The status after `transition`, or undefined when it is not allowed from `from`. */
export function nextStatus(from: BookingStatus, transition: Transition): BookingStatus | undefined {
  if (!canTransition(from, transition)) return undefined;
  const to = TRANSITIONS[transition].to;
  return to === 'unchanged' ? from : to;
}

/** A live booking holds its blocked range (the exclusion constraint's predicate, see liveBookingSql). */
export function isLive(status: BookingStatus): boolean {
  return (LIVE_BOOKING_STATUSES as readonly BookingStatus[]).includes(status);
}

// ---------------------------------------------------------------------------------------------
// Who may do what

export type Relation = 'client' | 'professional' | 'admin';

/** How the caller relates to the booking; undefined when it may not even see it. */
export function relationTo(principal: Principal, b: Pick<BookingFacts, 'clientId' | 'professionalId'>): Relation | undefined {
  if (principal.role === 'admin') return 'admin';
  if (principal.role === 'client' && principal.sub === b.clientId) return 'client';
  if (principal.role === 'professional' && principal.professionalId === b.professionalId) return 'professional';
  return undefined;
}

export type Permission = 'allowed' | 'not_found' | 'forbidden';

const MAY: Record<'view' | 'cancel' | 'reschedule', readonly Relation[]> = {
  view: ['client', 'professional', 'admin'],
  cancel: ['client', 'professional', 'admin'],
  reschedule: ['client', 'admin'],
};

/** Someone who cannot see the booking gets not_found (it does not exist for them); one who can but may not act, forbidden. */
export function permission(principal: Principal, b: Pick<BookingFacts, 'clientId' | 'professionalId'>, action: keyof typeof MAY): Permission {
  const relation = relationTo(principal, b);
  if (!relation) return 'not_found';
  return MAY[action].includes(relation) ? 'allowed' : 'forbidden';
}

// ---------------------------------------------------------------------------------------------
// Holds

/** A pending booking whose hold has lapsed at `now`: the expiry job may expire it. */
export function holdLapsed(b: Pick<BookingFacts, 'status' | 'holdExpiresAt'>, now: Date): boolean {
  return canTransition(b.status, 'expire') && b.holdExpiresAt.getTime() <= now.getTime();
}

// ---------------------------------------------------------------------------------------------
// Payments

/**
 * What a succeeded payment does: confirm a pending booking; leave a confirmed one (or one confirmed
 * and then cancelled: the cancellation settled the money) alone; refund a payment that came too late,
 * unless the booking merely expired and its slot is still free (the caller checks, then confirms late).
 */
export type PaymentDecision = 'confirm' | 'ignore' | 'refund' | 'confirm_if_slot_free';

export function decidePaymentSucceeded(b: BookingFacts): PaymentDecision {
  if (canTransition(b.status, 'confirm')) return 'confirm';
  if (b.status === 'confirmed') return 'ignore';
  if (b.confirmedAt !== null || b.refundId !== null) return 'ignore';
  if (b.refundStatus !== null) return 'refund'; // decided by an earlier attempt: never re-decided
  return canTransition(b.status, 'confirm_late') ? 'confirm_if_slot_free' : 'refund';
}

// ---------------------------------------------------------------------------------------------
// Cancellation and its refund

export interface CancellationTier {
  hoursBefore: number;
  refundPercent: number;
}

export const DEFAULT_CANCELLATION_POLICY: readonly CancellationTier[] = [{ hoursBefore: 24, refundPercent: 100 }];
export const MAX_CANCELLATION_TIERS = 10;

/** The percent of the tier with the largest `hoursBefore` not above the hours left; 0 when no tier applies. */
export function refundPercent(policy: readonly CancellationTier[], hoursLeft: number): number {
  let best: CancellationTier | undefined;
  for (const tier of policy) if (tier.hoursBefore <= hoursLeft && (!best || tier.hoursBefore > best.hoursBefore)) best = tier;
  return best?.refundPercent ?? 0;
}

/** `floor(price × p / 100)` for a client's cancellation `now`. */
export function policyRefund(price: number, startTime: Date, now: Date, policy: readonly CancellationTier[]): number {
  const hoursLeft = (startTime.getTime() - now.getTime()) / 3_600_000;
  return Math.floor((price * refundPercent(policy, hoursLeft)) / 100);
}

export type CancelDecision =
  { kind: 'already_cancelled' } | { kind: 'refused'; reason: string } | { kind: 'cancel_pending' } | { kind: 'cancel_confirmed'; refundAmount: number };

/**
 * A confirmed booking is refunded per the professional's policy when its client (or an admin on the
 * client's behalf) cancels, in full when its professional does. A refund already decided by an
 * earlier attempt (stored as `requested`) is kept, so a retry never refunds a different amount.
 */
export function decideCancel(b: BookingFacts, by: Relation, now: Date, policy: readonly CancellationTier[]): CancelDecision {
  if (b.status === 'cancelled') return { kind: 'already_cancelled' };
  if (!canTransition(b.status, 'cancel')) return { kind: 'refused', reason: 'This booking’s hold has expired; there is nothing to cancel.' };
  if (b.startTime.getTime() <= now.getTime()) return { kind: 'refused', reason: 'A booking that has started can no longer be cancelled.' };
  if (b.status === 'pending') return { kind: 'cancel_pending' };
  if (b.refundStatus === 'requested' && b.refundAmount !== null) return { kind: 'cancel_confirmed', refundAmount: b.refundAmount };
  const refundAmount = by === 'professional' ? b.priceAmount : policyRefund(b.priceAmount, b.startTime, now, policy);
  return { kind: 'cancel_confirmed', refundAmount };
}

// ---------------------------------------------------------------------------------------------
// Reschedule

export type RescheduleDecision = { ok: true } | { ok: false; reason: string };

/** Pending (hold not lapsed) or confirmed, and not started. The new time then goes through every booking rule. */
export function decideReschedule(b: BookingFacts, now: Date): RescheduleDecision {
  if (!canTransition(b.status, 'reschedule')) return { ok: false, reason: `A ${b.status} booking cannot be rescheduled.` };
  if (b.startTime.getTime() <= now.getTime()) return { ok: false, reason: 'A booking that has started can no longer be rescheduled.' };
  if (holdLapsed(b, now)) return { ok: false, reason: 'This booking’s hold has lapsed; book again.' };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Emails beyond the confirmation: only a client who was told "confirmed" hears of changes.

export const emailsOnReschedule = (status: BookingStatus): boolean => status === 'confirmed';
export const emailsOnCancel = (from: BookingStatus): boolean => from === 'confirmed';
