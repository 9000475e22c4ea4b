import { expect } from 'chai';
import {
  laneDecision,
  orderingKey,
  retryDelaySeconds,
  shouldDisable,
  isSuccessStatus,
  DISABLE_AFTER_MS,
  type LaneDecision,
  type LaneHead,
} from './delivery-policy.ts';

const DEFAULT = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe('webhook delivery policy', () => {
  const retries: Array<[readonly number[], number, number | undefined]> = [
    [DEFAULT, 1, 5],
    [DEFAULT, 2, 300],
    [DEFAULT, 3, 1800],
    [DEFAULT, 7, 36000],
    [DEFAULT, 8, undefined],
    [DEFAULT, 20, undefined],
    [[1, 1, 2], 3, 2],
    [[1, 1, 2], 4, undefined],
    [[], 1, undefined],
  ];
  for (const [schedule, attempts, expected] of retries) {
    it(`after ${attempts} failed attempt(s) on [${schedule.join(',')}] ${expected === undefined ? 'gives up' : `waits ${expected} s`}`, () =>
      expect(retryDelaySeconds(schedule, attempts)).to.equal(expected));
  }

  it('spreads the default schedule over about 27.6 hours and 8 attempts', () => {
    expect(DEFAULT.reduce((a, b) => a + b, 0)).to.equal(99_305);
    expect(retryDelaySeconds(DEFAULT, DEFAULT.length + 1)).to.equal(undefined);
  });

  const statuses: Array<[number | null, boolean]> = [
    [200, true],
    [204, true],
    [299, true],
    [301, false],
    [302, false],
    [400, false],
    [410, false],
    [500, false],
    [199, false],
    [null, false],
  ];
  for (const [status, ok] of statuses) {
    it(`counts status ${status} as ${ok ? 'success' : 'failure'}`, () => expect(isSuccessStatus(status)).to.equal(ok));
  }

  const now = new Date('2030-01-10T12:00:00Z');
  const disable: Array<[string, Date | null, boolean]> = [
    ['never failed', null, false],
    ['failing for one hour', new Date(now.getTime() - 3_600_000), false],
    ['failing for 5 days less a second', new Date(now.getTime() - DISABLE_AFTER_MS + 1000), false],
    ['failing for exactly 5 days', new Date(now.getTime() - DISABLE_AFTER_MS), true],
    ['failing for a week', new Date(now.getTime() - 7 * 86_400_000), true],
  ];
  for (const [what, since, expected] of disable) {
    it(`${expected ? 'disables' : 'keeps'} an endpoint ${what}`, () => expect(shouldDisable(since, now)).to.equal(expected));
  }

  const later = new Date(now.getTime() + 5000);
  const earlier = new Date(now.getTime() - 5000);
  const lanes: Array<[string, LaneHead | undefined, boolean, LaneDecision]> = [
    ['an empty lane', undefined, true, { kind: 'idle' }],
    ['an empty lane of a disabled endpoint', undefined, false, { kind: 'idle' }],
    ['a due head of a disabled endpoint', { nextAttemptAt: earlier, leaseUntil: null }, false, { kind: 'paused' }],
    ['a due head', { nextAttemptAt: earlier, leaseUntil: null }, true, { kind: 'attempt' }],
    ['a head due right now', { nextAttemptAt: now, leaseUntil: null }, true, { kind: 'attempt' }],
    ['a head whose lease lapsed (dead worker)', { nextAttemptAt: earlier, leaseUntil: earlier }, true, { kind: 'attempt' }],
    ['a head being attempted', { nextAttemptAt: earlier, leaseUntil: later }, true, { kind: 'busy', until: later }],
    ['a head waiting for its retry', { nextAttemptAt: later, leaseUntil: null }, true, { kind: 'wait', until: later }],
  ];
  for (const [what, head, enabled, expected] of lanes) {
    it(`decides ${expected.kind} for ${what}`, () => expect(laneDecision(head, enabled, now)).to.deep.equal(expected));
  }

  it('orders a booking’s events on the booking and a profile’s on the professional', () => {
    expect(orderingKey({ bookingId: 'b1' })).to.equal('booking:b1');
    expect(orderingKey({ professionalId: 'pro1' })).to.equal('professional:pro1');
  });
});
