import { expect } from 'chai';
import type { Principal } from '../../shared/auth.ts';
import {
  canTransition,
  decideCancel,
  decidePaymentSucceeded,
  decideReschedule,
  holdLapsed,
  isLive,
  nextStatus,
  permission,
  policyRefund,
  refundPercent,
  type BookingFacts,
  type BookingStatus,
  type CancelDecision,
  type Transition,
} from './booking-lifecycle.ts';

const NOW = new Date('2030-06-01T12:00:00Z');
const hoursFromNow = (h: number) => new Date(NOW.getTime() + h * 3_600_000);

function aBooking(overrides: Partial<BookingFacts> = {}): BookingFacts {
  return {
    clientId: 'alice',
    professionalId: 'ama',
    status: 'confirmed',
    startTime: hoursFromNow(72),
    priceAmount: 9000,
    holdExpiresAt: hoursFromNow(0.25),
    confirmedAt: NOW,
    refundId: null,
    refundAmount: null,
    refundStatus: null,
    ...overrides,
  };
}

describe('booking lifecycle', () => {
  describe('transitions', () => {
    const table: Array<[BookingStatus, Transition, BookingStatus | undefined]> = [
      ['pending', 'confirm', 'confirmed'],
      ['pending', 'expire', 'expired'],
      ['pending', 'cancel', 'cancelled'],
      ['pending', 'reschedule', 'pending'],
      ['pending', 'confirm_late', undefined],
      ['confirmed', 'cancel', 'cancelled'],
      ['confirmed', 'reschedule', 'confirmed'],
      ['confirmed', 'confirm', undefined],
      ['confirmed', 'expire', undefined],
      ['expired', 'confirm_late', 'confirmed'],
      ['expired', 'cancel', undefined],
      ['expired', 'reschedule', undefined],
      ['expired', 'confirm', undefined],
      ['cancelled', 'confirm', undefined],
      ['cancelled', 'confirm_late', undefined],
      ['cancelled', 'reschedule', undefined],
      ['cancelled', 'cancel', undefined],
      ['cancelled', 'expire', undefined],
    ];
    for (const [from, transition, to] of table) {
      it(`${from} --${transition}--> ${to ?? 'refused'}`, () => {
        expect(nextStatus(from, transition)).to.equal(to);
        expect(canTransition(from, transition)).to.equal(to !== undefined);
      });
    }
    it('calls pending and confirmed live, and nothing else', () => {
      expect((['pending', 'confirmed', 'cancelled', 'expired'] as const).filter(isLive)).to.deep.equal(['pending', 'confirmed']);
    });
  });

  describe('permissions', () => {
    const client: Principal = { sub: 'alice', role: 'client' };
    const otherClient: Principal = { sub: 'mallory', role: 'client' };
    const pro: Principal = { sub: 'p', role: 'professional', professionalId: 'ama' };
    const otherPro: Principal = { sub: 'q', role: 'professional', professionalId: 'kofi' };
    const admin: Principal = { sub: 'root', role: 'admin' };
    const table: Array<[string, Principal, 'view' | 'cancel' | 'reschedule', string]> = [
      ['its client views', client, 'view', 'allowed'],
      ['its professional views', pro, 'view', 'allowed'],
      ['an admin views', admin, 'view', 'allowed'],
      ['another client views', otherClient, 'view', 'not_found'],
      ['another professional views', otherPro, 'view', 'not_found'],
      ['its client cancels', client, 'cancel', 'allowed'],
      ['its professional cancels', pro, 'cancel', 'allowed'],
      ['an admin cancels', admin, 'cancel', 'allowed'],
      ['another client cancels', otherClient, 'cancel', 'not_found'],
      ['its client reschedules', client, 'reschedule', 'allowed'],
      ['an admin reschedules', admin, 'reschedule', 'allowed'],
      ['its professional reschedules', pro, 'reschedule', 'forbidden'],
      ['another client reschedules', otherClient, 'reschedule', 'not_found'],
      ['another professional reschedules', otherPro, 'reschedule', 'not_found'],
    ];
    for (const [name, principal, action, expected] of table) {
      it(`${name}: ${expected}`, () => expect(permission(principal, aBooking(), action)).to.equal(expected));
    }
  });

  describe('refund policy', () => {
    const tiers = [
      { hoursBefore: 48, refundPercent: 100 },
      { hoursBefore: 2, refundPercent: 50 },
    ];
    const table: Array<[hoursLeft: number, percent: number]> = [
      [100, 100],
      [48, 100],
      [47.99, 50],
      [2, 50],
      [1.99, 0],
      [0.01, 0],
    ];
    for (const [hoursLeft, percent] of table) {
      it(`${hoursLeft} hours ahead: ${percent} %`, () => expect(refundPercent(tiers, hoursLeft)).to.equal(percent));
    }
    it('takes the tier with the largest hours_before not above the hours left, whatever the order of the tiers', () => {
      expect(refundPercent([...tiers].reverse(), 50)).to.equal(100);
      expect(refundPercent([{ hoursBefore: 0, refundPercent: 10 }, ...tiers], 1)).to.equal(10);
    });
    it('refunds nothing when no tier applies, or with no tiers at all', () => {
      expect(refundPercent([], 1000)).to.equal(0);
    });
    it('rounds the refund down to whole minor units', () => {
      expect(policyRefund(999, hoursFromNow(10), NOW, tiers)).to.equal(499);
      expect(policyRefund(999, hoursFromNow(24), NOW, [{ hoursBefore: 24, refundPercent: 33 }])).to.equal(329);
    });
  });

  describe('cancel', () => {
    const policy = [
      { hoursBefore: 48, refundPercent: 100 },
      { hoursBefore: 2, refundPercent: 50 },
    ];
    const table: Array<[name: string, facts: Partial<BookingFacts>, by: 'client' | 'professional' | 'admin', expected: CancelDecision]> = [
      ['a pending booking, by its client', { status: 'pending', confirmedAt: null }, 'client', { kind: 'cancel_pending' }],
      ['a confirmed booking 72 h ahead, by its client', {}, 'client', { kind: 'cancel_confirmed', refundAmount: 9000 }],
      ['a confirmed booking 10 h ahead, by its client', { startTime: hoursFromNow(10) }, 'client', { kind: 'cancel_confirmed', refundAmount: 4500 }],
      ['a confirmed booking 1 h ahead, by its client', { startTime: hoursFromNow(1) }, 'client', { kind: 'cancel_confirmed', refundAmount: 0 }],
      ['a confirmed booking 1 h ahead, by an admin', { startTime: hoursFromNow(1) }, 'admin', { kind: 'cancel_confirmed', refundAmount: 0 }],
      ['a confirmed booking 1 h ahead, by its professional', { startTime: hoursFromNow(1) }, 'professional', { kind: 'cancel_confirmed', refundAmount: 9000 }],
      [
        'a confirmed booking whose refund an earlier attempt decided',
        { startTime: hoursFromNow(1), refundStatus: 'requested', refundAmount: 4500 },
        'professional',
        { kind: 'cancel_confirmed', refundAmount: 4500 },
      ],
      ['a cancelled booking', { status: 'cancelled' }, 'client', { kind: 'already_cancelled' }],
      [
        'an expired booking',
        { status: 'expired', confirmedAt: null },
        'client',
        { kind: 'refused', reason: 'This booking’s hold has expired; there is nothing to cancel.' },
      ],
      [
        'a started booking',
        { startTime: hoursFromNow(-0.5) },
        'professional',
        { kind: 'refused', reason: 'A booking that has started can no longer be cancelled.' },
      ],
    ];
    for (const [name, facts, by, expected] of table) {
      it(`${name}: ${expected.kind}${'refundAmount' in expected ? ` ${expected.refundAmount}` : ''}`, () => {
        expect(decideCancel(aBooking(facts), by, NOW, policy)).to.deep.equal(expected);
      });
    }
  });

  describe('reschedule', () => {
    const table: Array<[name: string, facts: Partial<BookingFacts>, ok: boolean]> = [
      ['a confirmed booking ahead', {}, true],
      ['a pending booking whose hold lasts', { status: 'pending' }, true],
      ['a pending booking whose hold has lapsed', { status: 'pending', holdExpiresAt: hoursFromNow(-0.01) }, false],
      ['a booking that has started', { startTime: hoursFromNow(-0.01) }, false],
      ['a booking starting right now', { startTime: NOW }, false],
      ['a cancelled booking', { status: 'cancelled' }, false],
      ['an expired booking', { status: 'expired' }, false],
    ];
    for (const [name, facts, ok] of table) {
      it(`${name}: ${ok ? 'allowed' : 'booking_not_reschedulable'}`, () => expect(decideReschedule(aBooking(facts), NOW).ok).to.equal(ok));
    }
  });

  describe('holds and payments', () => {
    it('finds a hold lapsed exactly at hold_expires_at, and only for a pending booking', () => {
      expect(holdLapsed(aBooking({ status: 'pending', holdExpiresAt: NOW }), NOW)).to.equal(true);
      expect(holdLapsed(aBooking({ status: 'pending', holdExpiresAt: hoursFromNow(0.001) }), NOW)).to.equal(false);
      expect(holdLapsed(aBooking({ status: 'confirmed', holdExpiresAt: NOW }), NOW)).to.equal(false);
    });
    const table: Array<[name: string, facts: Partial<BookingFacts>, decision: string]> = [
      ['pending', { status: 'pending', confirmedAt: null }, 'confirm'],
      ['already confirmed', {}, 'ignore'],
      ['cancelled after it was confirmed', { status: 'cancelled' }, 'ignore'],
      ['cancelled while pending, with a refund already made', { status: 'cancelled', confirmedAt: null, refundId: 're_1' }, 'ignore'],
      ['cancelled while pending', { status: 'cancelled', confirmedAt: null }, 'refund'],
      ['expired', { status: 'expired', confirmedAt: null }, 'confirm_if_slot_free'],
      ['expired, refund already decided', { status: 'expired', confirmedAt: null, refundStatus: 'requested' }, 'refund'],
    ];
    for (const [name, facts, decision] of table) {
      it(`a payment for a booking ${name}: ${decision}`, () => expect(decidePaymentSucceeded(aBooking(facts))).to.equal(decision));
    }
  });
});
