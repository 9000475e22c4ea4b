import { expect } from 'chai';
import ICAL from 'ical.js';
import { Temporal } from 'temporal-polyfill';
import {
  calendarInvite,
  cancelledMessage,
  confirmationMessage,
  formatInterval,
  formatPrice,
  rescheduledMessage,
  type ConfirmedBooking,
} from './confirmation-message.ts';

const FROM = 'Bookings <bookings@mail.example>';

function aConfirmedBooking(overrides: Partial<ConfirmedBooking> = {}): ConfirmedBooking {
  return {
    id: '3f0c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
    startTime: new Date('2026-03-03T10:00:00Z'),
    endTime: new Date('2026-03-03T11:30:00Z'),
    priceAmount: 13_500,
    currency: 'GHS',
    contactEmail: 'alice@example.com',
    confirmedAt: new Date('2026-03-01T08:15:00Z'),
    professional: { name: 'Ama Mensah', timeZone: 'Africa/Accra' },
    ...overrides,
  };
}

function parseEvent(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vevent = calendar.getFirstSubcomponent('vevent')!;
  return { calendar, vevent, event: new ICAL.Event(vevent) };
}

describe('confirmation message', () => {
  // Exact texts come from the ICU data of the pinned Node version; only separators are normalised.
  const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

  describe('formatPrice', () => {
    it('turns minor units into the currency’s own decimals', () => {
      expect(plain(formatPrice(13_500, 'GHS'))).to.equal('GHS 135.00');
      expect(plain(formatPrice(1_999, 'EUR'))).to.equal('€19.99');
      expect(plain(formatPrice(4_500, 'JPY'))).to.equal('JP¥4,500');
    });
  });

  describe('formatInterval', () => {
    it('shows the interval in the given time zone with its abbreviation', () => {
      const start = new Date('2026-07-01T14:00:00Z');
      const end = new Date('2026-07-01T15:00:00Z');
      expect(formatInterval(start, end, 'UTC')).to.equal('Wednesday, 1 July 2026, 14:00–15:00 UTC');
      expect(formatInterval(start, end, 'Europe/Paris')).to.equal('Wednesday, 1 July 2026, 16:00–17:00 CEST');
    });

    it('names both days when the interval crosses midnight locally', () => {
      const text = formatInterval(new Date('2026-07-01T21:00:00Z'), new Date('2026-07-01T23:00:00Z'), 'Asia/Tokyo');
      expect(text).to.equal('Thursday, 2 July 2026, 06:00–08:00 GMT+9');
      expect(formatInterval(new Date('2026-07-01T23:00:00Z'), new Date('2026-07-02T01:00:00Z'), 'UTC')).to.equal(
        'Wednesday, 1 July 2026, 23:00 – Thursday, 2 July 2026, 01:00 UTC',
      );
    });
  });

  describe('calendarInvite', () => {
    it('is an iCalendar REQUEST whose event has a stable UID, local times with their VTIMEZONE and the confirmation as DTSTAMP', () => {
      const booking = aConfirmedBooking();
      const ics = calendarInvite(booking, FROM);
      const { calendar, vevent, event } = parseEvent(ics);
      expect(calendar.getFirstPropertyValue('method')).to.equal('REQUEST');
      expect(calendar.getFirstPropertyValue('version')).to.equal('2.0');
      expect(event.uid).to.equal(`booking-${booking.id}@mail.example`);
      expect(ics).to.include('DTSTART;TZID=Africa/Accra:20260303T100000');
      expect(calendar.getFirstSubcomponent('vtimezone')!.getFirstPropertyValue('tzid')).to.equal('Africa/Accra');
      expect((vevent.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().toISOString()).to.equal('2026-03-01T08:15:00.000Z');
      expect(event.description).to.include('10:00–11:30 UTC');
      expect(event.summary).to.equal('Appointment with Ama Mensah');
      expect(event.organizer).to.equal('mailto:bookings@mail.example');
      expect(event.attendees.map((a) => String(a.getFirstValue()).toLowerCase())).to.deep.equal(['mailto:alice@example.com']);
    });

    const zoned: Array<[zone: string, start: string, written: string]> = [
      ['Europe/London', '2027-03-28T09:00:00Z', ';TZID=Europe/London:20270328T100000'], // the first day of BST
      ['Europe/London', '2027-10-31T00:15:00Z', ';TZID=Europe/London:20271031T011500'], // the first 01:15 of the repeated hour (BST)
      ['America/New_York', '2027-11-07T06:30:00Z', ':20271107T063000Z'], // the second 01:30 (EST): only UTC says which
      ['America/New_York', '2027-11-07T07:30:00Z', ';TZID=America/New_York:20271107T023000'],
      ['Australia/Lord_Howe', '2027-10-02T16:00:00Z', ';TZID=Australia/Lord_Howe:20271003T030000'], // after the 30-minute shift
      ['Asia/Kathmandu', '2027-06-01T03:15:00Z', ';TZID=Asia/Kathmandu:20270601T090000'], // +05:45
    ];
    for (const [zone, start, written] of zoned) {
      it(`writes ${start} in ${zone} as DTSTART${written}, which a calendar reads back as the same instant`, () => {
        const begin = new Date(start);
        const booking = aConfirmedBooking({
          startTime: begin,
          endTime: new Date(begin.getTime() + 30 * 60_000),
          professional: { name: 'Ama', timeZone: zone },
        });
        const ics = calendarInvite(booking, FROM);
        expect(ics).to.include(`DTSTART${written}\r\n`);
        const { calendar, event } = parseEvent(ics);
        const vtimezone = calendar.getFirstSubcomponent('vtimezone');
        if (!vtimezone) return expect(event.startDate.toJSDate().toISOString()).to.equal(begin.toISOString());
        // RFC 5545: a repeated local time is its first occurrence (ical.js would take the second one, so Temporal reads it here).
        const local = written.slice(written.indexOf(':') + 1);
        const plain = Temporal.PlainDateTime.from(
          `${local.slice(0, 4)}-${local.slice(4, 6)}-${local.slice(6, 8)}T${local.slice(9, 11)}:${local.slice(11, 13)}`,
        );
        expect(plain.toZonedDateTime(zone, { disambiguation: 'earlier' }).epochMilliseconds).to.equal(begin.getTime());
        expect(vtimezone.getFirstPropertyValue('tzid')).to.equal(zone);
        if (plain.toZonedDateTime(zone, { disambiguation: 'later' }).epochMilliseconds !== begin.getTime()) return; // repeated: see above
        const startDate = event.startDate;
        startDate.zone = new ICAL.Timezone(vtimezone);
        const offsetAtStart = startDate.utcOffset() * 1000;
        expect(offsetAtStart, 'the VTIMEZONE gives the offset in force').to.equal(
          Temporal.Instant.fromEpochMilliseconds(begin.getTime()).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6,
        );
      });
    }

    it('uses CRLF line endings and folds lines at 75 octets without splitting a character', () => {
      const name = `Ama Mensah-Ödegaard, plumbing; heating & ${'ü'.repeat(60)}`;
      const ics = calendarInvite(aConfirmedBooking({ professional: { name, timeZone: 'UTC' } }), FROM);
      expect(ics.replace(/\r\n/g, '')).not.to.match(/[\r\n]/);
      const lines = ics.split('\r\n');
      for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).to.be.at.most(75);
      expect(lines.some((l) => l.startsWith(' '))).to.equal(true);
      expect(ics).not.to.include('\uFFFD');
      expect(parseEvent(ics).event.summary).to.equal(`Appointment with ${name}`);
    });

    it('is the same text whenever it is built, so a resend updates the same calendar event', () => {
      const booking = aConfirmedBooking();
      expect(calendarInvite(booking, FROM)).to.equal(calendarInvite(booking, FROM));
    });
  });

  describe('confirmationMessage', () => {
    it('tells the professional, both times, the price and the booking id, with the invite attached', () => {
      const booking = aConfirmedBooking();
      const message = confirmationMessage(booking, FROM);
      expect(message).to.include({ from: FROM, to: 'alice@example.com' });
      expect(message.messageId).to.equal(`<booking-${booking.id}.confirmation@mail.example>`);
      expect(message.subject).to.equal('Booking confirmed: Ama Mensah, Tuesday, 3 March 2026, 10:00–11:30 GMT');
      const text = String(message.text);
      expect(text).to.include('Ama Mensah');
      expect(text).to.include('Tuesday, 3 March 2026, 10:00–11:30 GMT (Africa/Accra)');
      expect(text).to.include('Tuesday, 3 March 2026, 10:00–11:30 UTC');
      expect(plain(text)).to.include('GHS 135.00');
      expect(text).to.include(booking.id);
      expect(message.icalEvent).to.deep.include({ method: 'REQUEST', filename: 'booking.ics' });
    });
  });
  describe('change messages', () => {
    const uid = (ics: string) => parseEvent(ics).event.uid;
    it('moves the calendar event: a REQUEST with the same UID, the given SEQUENCE and the change as DTSTAMP, at the new time', () => {
      const booking = aConfirmedBooking({ startTime: new Date('2026-03-04T14:00:00Z'), endTime: new Date('2026-03-04T15:30:00Z') });
      const at = new Date('2026-03-02T09:00:00Z');
      const message = rescheduledMessage(booking, FROM, { sequence: 2, at });
      const ics = String((message.icalEvent as { content: string }).content);
      const { calendar, vevent, event } = parseEvent(ics);
      expect(calendar.getFirstPropertyValue('method')).to.equal('REQUEST');
      expect(event.uid).to.equal(uid(calendarInvite(aConfirmedBooking(), FROM)));
      expect(event.sequence).to.equal(2);
      expect((vevent.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().toISOString()).to.equal(at.toISOString());
      expect(ics).to.include('DTSTART;TZID=Africa/Accra:20260304T140000');
      expect(message.messageId).to.equal(`<booking-${booking.id}.rescheduled-2@mail.example>`);
      expect(message.subject).to.equal('Booking moved: Ama Mensah, Wednesday, 4 March 2026, 14:00–15:30 GMT');
      expect(String(message.text)).to.include('New time: Wednesday, 4 March 2026, 14:00–15:30 GMT (Africa/Accra)');
    });
    it('cancels the calendar event: a CANCEL with the same UID, status CANCELLED, and tells the refund', () => {
      const booking = aConfirmedBooking();
      const message = cancelledMessage(booking, FROM, { sequence: 1, at: new Date('2026-03-02T09:00:00Z'), refundAmount: 6_750 });
      const ics = String((message.icalEvent as { content: string }).content);
      const { calendar, vevent, event } = parseEvent(ics);
      expect(calendar.getFirstPropertyValue('method')).to.equal('CANCEL');
      expect((message.icalEvent as { method: string }).method).to.equal('CANCEL');
      expect(event.uid).to.equal(uid(calendarInvite(booking, FROM)));
      expect(event.sequence).to.equal(1);
      expect(vevent.getFirstPropertyValue('status')).to.equal('CANCELLED');
      expect(plain(String(message.text))).to.include('Refund: GHS 67.50 of GHS 135.00');
      expect(message.messageId).to.equal(`<booking-${booking.id}.cancelled@mail.example>`);
    });
    it('says so when the cancellation refunds nothing', () => {
      const message = cancelledMessage(aConfirmedBooking(), FROM, { sequence: 1, at: new Date('2026-03-02T09:00:00Z'), refundAmount: 0 });
      expect(String(message.text)).to.include('Refund: none');
    });
  });
});
