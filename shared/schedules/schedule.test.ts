import { expect } from 'chai';
import { DAY_MS, MINUTE_MS, type Interval } from './intervals.ts';
import { parseClock } from './local-time.ts';
import {
  availableTime,
  checkBookingRules,
  DEFAULT_RULES,
  emptyWeek,
  freeTime,
  slotStarts,
  type BookingRules,
  type LocalInterval,
  type Schedule,
} from './schedule.ts';

const at = (text: string) => Date.parse(text);
const iv = (start: string, end: string): Interval => ({ start: at(start), end: at(end) });
const local = (start: string, end: string): LocalInterval => ({ start: parseClock(start)!, end: parseClock(end)! });
const show = (ranges: Interval[]) => ranges.map((r) => `${new Date(r.start).toISOString()}/${new Date(r.end).toISOString()}`);

function schedule(
  timeZone: string,
  days: Record<number, LocalInterval[]>,
  rules: Partial<BookingRules> = {},
  overrides: Record<string, LocalInterval[]> = {},
): Schedule {
  const weekly = emptyWeek();
  for (const [day, intervals] of Object.entries(days)) weekly[Number(day)] = intervals;
  return { timeZone, rules: { ...DEFAULT_RULES, ...rules }, weekly, overrides: new Map(Object.entries(overrides)) };
}

const weekdays9to17 = {
  0: [local('09:00', '17:00')],
  1: [local('09:00', '17:00')],
  2: [local('09:00', '17:00')],
  3: [local('09:00', '17:00')],
  4: [local('09:00', '17:00')],
};

describe('schedule', () => {
  describe('available time', () => {
    it('follows the wall clock across the spring change: 9–17 London is 09:00Z on Friday and 08:00Z on Monday', () => {
      const s = schedule('Europe/London', weekdays9to17);
      const ranges = availableTime(s, [], at('2027-03-26T00:00:00Z'), at('2027-03-30T00:00:00Z'));
      expect(show(ranges)).to.deep.equal(['2027-03-26T09:00:00.000Z/2027-03-26T17:00:00.000Z', '2027-03-29T08:00:00.000Z/2027-03-29T16:00:00.000Z']);
    });

    it('shortens an interval that spans the gap, and lengthens one that spans the repeated hour', () => {
      const s = schedule('America/New_York', { 6: [local('00:00', '06:00')] });
      expect(show(availableTime(s, [], at('2027-03-14T00:00:00Z'), at('2027-03-15T00:00:00Z')))).to.deep.equal([
        '2027-03-14T05:00:00.000Z/2027-03-14T10:00:00.000Z', // 5 real hours
      ]);
      expect(show(availableTime(s, [], at('2027-11-07T00:00:00Z'), at('2027-11-08T00:00:00Z')))).to.deep.equal([
        '2027-11-07T04:00:00.000Z/2027-11-07T11:00:00.000Z', // 7 real hours
      ]);
    });

    it('replaces a date by its override ([] = closed), adds one-off windows, and merges touching pieces (24:00 meets 00:00)', () => {
      const s = schedule(
        'Asia/Kathmandu',
        { 0: [local('18:00', '24:00')], 1: [local('00:00', '02:00')] },
        {},
        { '2027-06-09': [local('10:00', '11:00')], '2027-06-14': [] },
      );
      const windows = [iv('2027-06-07T20:15:00Z', '2027-06-07T21:15:00Z')]; // Tue 02:00–03:00 local
      const ranges = availableTime(s, windows, at('2027-06-06T00:00:00Z'), at('2027-06-16T00:00:00Z'));
      expect(show(ranges)).to.deep.equal([
        '2027-06-07T12:15:00.000Z/2027-06-07T21:15:00.000Z', // Mon 18:00 → Tue 03:00, three pieces merged
        '2027-06-09T04:15:00.000Z/2027-06-09T05:15:00.000Z', // Wed 09 has no weekly hours; its override opens 10–11
        // Mon 14 closed by its override; Tue 15 00:00–02:00 remains
        '2027-06-14T18:15:00.000Z/2027-06-14T20:15:00.000Z',
      ]);
    });

    it('keeps buffers around blocked ranges out of free time, while buffers may reach outside available time', () => {
      const s = schedule('UTC', { 0: [local('09:00', '17:00')] }, { bufferBeforeMinutes: 15, bufferAfterMinutes: 30 });
      const blocked = [iv('2027-06-07T11:45:00Z', '2027-06-07T13:30:00Z')]; // a booking 12:00–13:00 with the same buffers
      const free = freeTime(s, [], blocked, at('2027-06-07T00:00:00Z'), at('2027-06-08T00:00:00Z'));
      expect(show(free)).to.deep.equal(['2027-06-07T09:00:00.000Z/2027-06-07T11:15:00.000Z', '2027-06-07T13:45:00.000Z/2027-06-07T17:00:00.000Z']);
    });
  });

  describe('booking rules, in order', () => {
    const s = schedule('Europe/London', weekdays9to17, {
      minimumNoticeMinutes: 120,
      bookingHorizonDays: 30,
      slotStepMinutes: 30,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 20,
    });
    const now = at('2027-06-07T06:00:00Z'); // Monday 07:00 BST
    const blocked = [iv('2027-06-08T12:50:00Z', '2027-06-08T14:20:00Z')]; // Tue 14:00–15:00 BST booked
    const cases: Array<[start: string, minutes: number, expected: string | undefined]> = [
      ['2027-06-07T07:30:00Z', 60, 'inside_minimum_notice'], // 08:30 BST, 90 min ahead
      ['2027-06-07T08:00:00Z', 60, undefined], // 09:00 BST, exactly 2 h ahead
      ['2027-07-07T08:00:00Z', 60, 'beyond_booking_horizon'], // 30 days and 2 h ahead
      ['2027-07-07T05:59:00Z', 60, 'off_slot_grid'], // just inside the horizon, 06:59 BST
      ['2027-06-07T08:15:00Z', 60, 'off_slot_grid'], // 09:15 BST
      ['2027-06-07T08:00:30Z', 60, 'off_slot_grid'], // seconds are off the grid
      ['2027-06-07T15:30:00Z', 60, 'outside_availability'], // 16:30–17:30 BST
      ['2027-06-12T08:00:00Z', 60, 'outside_availability'], // Saturday
      ['2027-06-08T11:30:00Z', 90, 'slot_taken'], // 12:30–14:00 BST, + 20 min buffer reaches into the other's 13:50
      ['2027-06-08T11:30:00Z', 60, undefined], // 12:30–13:30 BST, + 20 min buffer ends at 13:50: touches, no overlap
      ['2027-06-08T14:30:00Z', 60, undefined], // 15:30 BST: its buffer starts 15:20 = end of the other's blocked range
      ['2027-06-08T14:00:00Z', 30, 'slot_taken'], // 15:00 BST: its 10 min buffer reaches into 15:20
    ];
    for (const [start, minutes, expected] of cases) {
      it(`${start} for ${minutes} min → ${expected ?? 'accepted'}`, () => {
        const begin = at(start);
        expect(checkBookingRules(s, { start: begin, end: begin + minutes * MINUTE_MS, now, windows: [], blocked })).to.equal(expected);
      });
    }
  });

  describe('slots', () => {
    it('lists grid starts in local time, after notice, skipping blocked ranges with their buffers', () => {
      const s = schedule('Asia/Kathmandu', { 0: [local('09:00', '12:00')] }, { slotStepMinutes: 45, bufferAfterMinutes: 15, minimumNoticeMinutes: 60 });
      const now = at('2027-06-07T02:30:00Z'); // Monday 08:15 local: notice pushes the first start to 09:15 → 09:45 on the grid
      const blocked = [iv('2027-06-07T05:00:00Z', '2027-06-07T05:30:00Z')]; // 10:45–11:15 local (incl. its buffer)
      const starts = slotStarts(s, { from: at('2027-06-07T00:00:00Z'), to: at('2027-06-08T00:00:00Z'), durationMinutes: 30, now, windows: [], blocked });
      // 09:45 (ends 10:15, +15 → 10:30 ok); 10:30 ends 11:00 clashes; 11:15 ends 11:45 ok
      expect(starts.map((t) => new Date(t).toISOString())).to.deep.equal(['2027-06-07T04:00:00.000Z', '2027-06-07T05:30:00.000Z']);
    });

    it('lists both instants of a repeated wall-clock time, and nothing inside a gap', () => {
      const s = schedule('America/New_York', { 6: [local('00:00', '04:00')] }, { slotStepMinutes: 60 });
      const now = at('2027-01-01T00:00:00Z');
      const fall = slotStarts(s, { from: at('2027-11-07T00:00:00Z'), to: at('2027-11-08T00:00:00Z'), durationMinutes: 60, now, windows: [], blocked: [] });
      // 00:00 EDT, 01:00 EDT, 01:00 EST, 02:00 EST (03:00 EST would end after 04:00)
      expect(fall.map((t) => new Date(t).toISOString().slice(11, 16))).to.deep.equal(['04:00', '05:00', '06:00', '07:00', '08:00']);
      const spring = slotStarts(s, { from: at('2027-03-14T00:00:00Z'), to: at('2027-03-15T00:00:00Z'), durationMinutes: 60, now, windows: [], blocked: [] });
      // 00:00 EST, 01:00 EST, (02:00 does not exist), 03:00 EDT until 04:00
      expect(spring.map((t) => new Date(t).toISOString().slice(11, 16))).to.deep.equal(['05:00', '06:00', '07:00']);
    });

    describe('agree with the booking rules on random schedules (oracle: every minute checked)', () => {
      const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Africa/Accra'];
      let seed = 12345;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
      const quarter = () => Math.floor(random() * 96) * 15;
      for (let round = 0; round < 12; round++) {
        const zone = zones[round % zones.length]!;
        // around a 2027 transition of the zone (or any date for zones without one)
        const around = pick([
          '2027-03-13T12:00:00Z',
          '2027-03-27T12:00:00Z',
          '2027-04-03T00:00:00Z',
          '2027-10-02T00:00:00Z',
          '2027-10-30T12:00:00Z',
          '2027-11-06T12:00:00Z',
        ]);
        it(`round ${round}: ${zone} around ${around}`, () => {
          const weekly = emptyWeek();
          for (let d = 0; d < 7; d++) {
            const a = quarter();
            const b = a + 15 + quarter();
            if (random() < 0.8) weekly[d] = [{ start: a, end: Math.min(1440, b) }];
          }
          const rules: BookingRules = {
            bufferBeforeMinutes: pick([0, 5, 15]),
            bufferAfterMinutes: pick([0, 10, 30]),
            minimumNoticeMinutes: pick([0, 60, 600]),
            bookingHorizonDays: pick([1, 2, 30]),
            slotStepMinutes: pick([5, 15, 20, 30, 45, 60]),
          };
          const s: Schedule = { timeZone: zone, rules, weekly, overrides: new Map() };
          const from = at(around) - DAY_MS;
          const to = from + 3 * DAY_MS;
          const now = from - pick([0, 5, 12 * 60]) * MINUTE_MS;
          const windows = [{ start: from + 7 * 3_600_000, end: from + 9 * 3_600_000 }];
          const blocked = [0, 1, 2].map(() => {
            const start = from + Math.floor(random() * 72 * 4) * 15 * MINUTE_MS;
            return { start, end: start + pick([30, 60, 90]) * MINUTE_MS };
          });
          const durationMinutes = pick([15, 30, 60, 120]);
          const listed = slotStarts(s, { from, to, durationMinutes, now, windows, blocked });
          const accepted: number[] = [];
          for (let t = from; t < to; t += MINUTE_MS) {
            if (checkBookingRules(s, { start: t, end: t + durationMinutes * MINUTE_MS, now, windows, blocked }) === undefined) accepted.push(t);
          }
          expect(listed.map((t) => new Date(t).toISOString())).to.deep.equal(accepted.map((t) => new Date(t).toISOString()));
        });
      }
    });
  });
});
