import { expect } from 'chai';
import { Temporal } from 'temporal-polyfill';
import { DAY_MS, MINUTE_MS } from './intervals.ts';
import { isoWeekday, localMinuteOfDay, parseClock, zoneOffsets } from './local-time.ts';

/** Days since 1970-01-01 of a date `YYYY-MM-DD`. */
const localDay = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

const wall = (date: string, clock: string) => localDay(date) * DAY_MS + parseClock(clock)! * MINUTE_MS;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('local time', () => {
  describe('wall-clock time to instant (gap moves forward, repeated takes the earlier, 24:00 is next midnight)', () => {
    const cases: Array<[zone: string, date: string, clock: string, instant: string, why: string]> = [
      ['Europe/London', '2027-03-28', '00:30', '2027-03-28T00:30:00Z', 'before the spring gap'],
      ['Europe/London', '2027-03-28', '01:00', '2027-03-28T01:00:00Z', 'start of the gap → 02:00 BST'],
      ['Europe/London', '2027-03-28', '01:30', '2027-03-28T01:30:00Z', 'inside the gap → 02:30 BST'],
      ['Europe/London', '2027-03-28', '02:00', '2027-03-28T01:00:00Z', 'first time after the gap'],
      ['Europe/London', '2027-10-31', '01:30', '2027-10-31T00:30:00Z', 'repeated: the BST (earlier) one'],
      ['Europe/London', '2027-10-31', '02:00', '2027-10-31T02:00:00Z', 'after the repeated hour'],
      ['Europe/London', '2027-10-30', '24:00', '2027-10-30T23:00:00Z', '24:00 is the next midnight (still BST)'],
      ['America/New_York', '2027-03-14', '02:30', '2027-03-14T07:30:00Z', 'inside the gap → 03:30 EDT'],
      ['America/New_York', '2027-03-14', '03:00', '2027-03-14T07:00:00Z', 'first time after the gap'],
      ['America/New_York', '2027-11-07', '01:30', '2027-11-07T05:30:00Z', 'repeated: the EDT (earlier) one'],
      ['America/New_York', '2027-11-07', '02:00', '2027-11-07T07:00:00Z', 'after the repeated hour, EST'],
      ['America/New_York', '2027-03-13', '24:00', '2027-03-14T05:00:00Z', '24:00 before the gap day'],
      ['Australia/Lord_Howe', '2027-04-04', '01:45', '2027-04-03T14:45:00Z', 'repeated half hour: +11:00 (earlier)'],
      ['Australia/Lord_Howe', '2027-04-04', '02:00', '2027-04-03T15:30:00Z', 'after the repeated half hour, +10:30'],
      ['Australia/Lord_Howe', '2027-10-03', '02:15', '2027-10-02T15:45:00Z', 'inside the 30-minute gap → 02:45 +11:00'],
      ['Australia/Lord_Howe', '2027-10-03', '02:30', '2027-10-02T15:30:00Z', 'first time after the gap'],
      ['Asia/Kathmandu', '2027-06-01', '09:00', '2027-06-01T03:15:00Z', '+05:45, no DST'],
      ['Asia/Kathmandu', '2027-12-31', '24:00', '2027-12-31T18:15:00Z', '24:00 at +05:45'],
      ['Africa/Accra', '2027-01-01', '09:00', '2027-01-01T09:00:00Z', 'UTC all year'],
    ];
    for (const [zone, date, clock, instant, why] of cases) {
      it(`${zone} ${date} ${clock} → ${instant} (${why})`, () => {
        expect(iso(zoneOffsets(zone).toInstant(wall(date, clock)))).to.equal(instant);
      });
    }
  });

  describe('every quarter hour of the days around each 2027 transition agrees with Temporal', () => {
    const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
    for (const zoneName of zones) {
      it(`${zoneName}: local → instant (compatible) and instant → local`, () => {
        const zone = zoneOffsets(zoneName);
        // Days around each transition of 2027; a zone without any (Kathmandu) is checked around the year's solstices and ends.
        const transitions: number[] = [];
        let cursor = Temporal.ZonedDateTime.from(`2027-01-01T00:00[${zoneName}]`);
        for (;;) {
          const next = cursor.getTimeZoneTransition('next');
          if (!next || next.year > 2027) break;
          transitions.push(next.epochMilliseconds);
          cursor = next;
        }
        if (zoneName === 'Asia/Kathmandu') expect(transitions).to.deep.equal([]);
        else expect(transitions).to.have.length(2);
        const centres = transitions.length > 0 ? transitions : ['2027-01-01', '2027-06-21', '2027-12-31'].map((d) => Date.parse(d));
        let checked = 0;
        for (const centre of centres) {
          const centreDay = Math.floor(zone.toLocal(centre) / DAY_MS);
          for (let day = centreDay - 1; day <= centreDay + 1; day++) {
            for (let minute = 0; minute <= 1440; minute += 15) {
              const local = day * DAY_MS + minute * MINUTE_MS;
              const plain = Temporal.PlainDateTime.from(new Date(local).toISOString().slice(0, 19));
              const expected = plain.toZonedDateTime(zoneName, { disambiguation: 'compatible' }).epochMilliseconds;
              expect(zone.toInstant(local), `${zoneName} ${plain.toString()}`).to.equal(expected);
              // and back: the wall-clock reading of an instant
              const instant = local - 12 * 3_600_000 + minute * 1000;
              const reading = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zoneName).toPlainDateTime();
              expect(zone.toLocal(instant)).to.equal(Date.parse(`${reading.toString()}Z`));
              checked++;
            }
          }
        }
        expect(checked).to.be.greaterThan(280);
      });
    }
  });

  it('reads the local minute of the day, and none for an instant with seconds', () => {
    const zone = zoneOffsets('Asia/Kathmandu');
    expect(localMinuteOfDay(zone, Date.parse('2027-06-01T03:15:00Z'))).to.equal(9 * 60);
    expect(localMinuteOfDay(zone, Date.parse('2027-06-01T18:15:00Z'))).to.equal(0);
    expect(localMinuteOfDay(zone, Date.parse('2027-06-01T03:15:30Z'))).to.equal(undefined);
  });

  describe('HH:MM clock times', () => {
    const valid: Array<[string, number]> = [
      ['00:00', 0],
      ['09:05', 545],
      ['23:59', 1439],
      ['24:00', 1440],
    ];
    for (const [text, minutes] of valid) {
      it(`reads ${text} as ${minutes}`, () => {
        expect(parseClock(text)).to.equal(minutes);
      });
    }
    for (const text of ['24:01', '9:00', '09:60', '25:00', '0900', '09:00:00', '']) {
      it(`refuses ${JSON.stringify(text)}`, () => expect(parseClock(text)).to.equal(undefined));
    }
  });

  it('numbers weekdays 1 (Monday) to 7 (Sunday)', () => {
    expect(isoWeekday(localDay('2027-03-29'))).to.equal(1);
    expect(isoWeekday(localDay('2027-03-28'))).to.equal(7);
    expect(isoWeekday(localDay('1969-12-31'))).to.equal(3);
  });
});
