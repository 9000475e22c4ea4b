import { expect } from 'chai';
import { fromDocumentAvailability, toDocumentAvailability } from './document-availability.ts';
import { DAY_MS, MINUTE_MS } from './intervals.ts';
import { DEFAULT_RULES, emptyWeek, slotStarts, type Schedule } from './schedule.ts';

describe('document availability', () => {
  const now = Date.parse('2027-03-25T12:00:00Z');
  const weekly = emptyWeek();
  weekly[0] = [
    { start: 540, end: 720 },
    { start: 780, end: 1020 },
  ];
  weekly[6] = [{ start: 0, end: 1440 }];
  const schedule: Schedule = {
    timeZone: 'Europe/London',
    rules: { ...DEFAULT_RULES, bufferBeforeMinutes: 10, bufferAfterMinutes: 20, minimumNoticeMinutes: 90, bookingHorizonDays: 30, slotStepMinutes: 15 },
    weekly,
    overrides: new Map([
      ['2027-03-29', [{ start: 600, end: 660 }]],
      ['2027-03-30', []],
    ]),
  };
  const windows = [
    { start: now - DAY_MS, end: now - DAY_MS + 3_600_000 }, // ended: dropped
    { start: now + DAY_MS, end: now + DAY_MS + 3_600_000 },
    { start: now + 40 * DAY_MS, end: now + 40 * DAY_MS + 3_600_000 }, // beyond the horizon: dropped
  ];
  const blocked = [
    { start: now - 2 * 3_600_000, end: now - 3_600_000 }, // over: dropped
    { start: now + 3 * DAY_MS, end: now + 3 * DAY_MS + 3_600_000 },
  ];

  it('keeps rules, weekly hours, overrides and what is still ahead, compactly', () => {
    const doc = toDocumentAvailability(schedule, windows, blocked, now);
    expect(doc).to.deep.equal({
      rules: [10, 20, 90, 30, 15],
      weekly: [
        [1, 540, 720],
        [1, 780, 1020],
        [7, 0, 1440],
      ],
      overrides: [
        ['2027-03-29', [[600, 660]]],
        ['2027-03-30', []],
      ],
      windows: [[windows[1]!.start, windows[1]!.end]],
      blocked: [[blocked[1]!.start, blocked[1]!.end]],
    });
  });

  it('reads back into a schedule that lists the same slots', () => {
    const back = fromDocumentAvailability('Europe/London', JSON.parse(JSON.stringify(toDocumentAvailability(schedule, windows, blocked, now))));
    const q = { from: now, to: now + 10 * DAY_MS, durationMinutes: 45, now };
    const original = slotStarts(schedule, { ...q, windows, blocked });
    expect(original.length).to.be.greaterThan(50);
    expect(slotStarts(back.schedule, { ...q, windows: back.windows, blocked: back.blocked })).to.deep.equal(original);
    expect(original.every((t) => t >= now + 90 * MINUTE_MS)).to.equal(true);
  });
});
