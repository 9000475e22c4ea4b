import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { SendMailOptions } from 'nodemailer';
import { Temporal } from 'temporal-polyfill';
import { zoneOffsets } from '../../shared/schedules/local-time.ts';
import { vtimezone } from './vtimezone.ts';

export interface ConfirmedBooking {
  id: string;
  startTime: Date;
  endTime: Date;
  priceAmount: number;
  currency: string;
  contactEmail: string;
  confirmedAt: Date;
  professional: { name: string; timeZone: string };
}

/** Minor units to a display amount: the currency's own number of decimals (2 for GHS, 0 for JPY). */
export function formatPrice(amountMinor: number, currency: string, locale = 'en-GB'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** decimals);
}

/** "Tuesday 3 March 2026, 10:00–11:00 GMT" in the given IANA time zone. */
export function formatInterval(start: Date, end: Date, timeZone: string, locale = 'en-GB'): string {
  const day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const zone = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(end).find((p) => p.type === 'timeZoneName')?.value;
  const sameDay = day.format(start) === day.format(end);
  return sameDay
    ? `${day.format(start)}, ${time.format(start)}–${time.format(end)} ${zone}`
    : `${day.format(start)}, ${time.format(start)} – ${day.format(end)}, ${time.format(end)} ${zone}`;
}

function mailDomain(from: string): string {
  return /@([^>\s]+)/.exec(from)?.[1] ?? 'bookings.local';
}

function mailAddress(from: string): { name: string; email: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  return m ? { name: m[1] || m[2]!, email: m[2]! } : { name: from.trim(), email: from.trim() };
}

/**
 * The iCalendar invitation (RFC 5545/5546, METHOD:REQUEST). Built only from stored facts (DTSTAMP is
 * the confirmation time), so a resent message carries the same invitation and calendars update the
 * event with the same UID instead of adding a second one.
 */
export function calendarInvite(b: ConfirmedBooking, from: string, change: InviteChange = { method: 'REQUEST', sequence: 0, stamp: b.confirmedAt }): string {
  const cancel = change.method === 'CANCEL';
  const calendar = ical({
    prodId: { company: 'booking-marketplace', product: 'bookings', language: 'EN' },
    method: cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  // Times in the professional's zone (DTSTART;TZID=…) with the zone's VTIMEZONE; the description repeats them in UTC.
  const timeZone = b.professional.timeZone;
  // A local time in a repeated hour means its first occurrence (RFC 5545 3.3.5): a booking in the second
  // one is written in UTC instead, so no calendar can place it an hour early.
  const zone = zoneOffsets(timeZone);
  const readsBack = (d: Date) => zone.toInstant(zone.toLocal(d.getTime())) === d.getTime();
  const local = readsBack(b.startTime) && readsBack(b.endTime);
  const zoned = (d: Date) => (local ? Temporal.Instant.fromEpochMilliseconds(d.getTime()).toZonedDateTimeISO(timeZone) : d);
  if (local) calendar.timezone({ name: null, generator: (name) => vtimezone(name, b.startTime.getTime()) });
  calendar.createEvent({
    timezone: local ? timeZone : null,
    id: `booking-${b.id}@${mailDomain(from)}`,
    sequence: change.sequence,
    stamp: change.stamp,
    start: zoned(b.startTime),
    end: zoned(b.endTime),
    summary: `Appointment with ${b.professional.name}`,
    description: [
      `Booking ${b.id} with ${b.professional.name}.`,
      `When: ${formatInterval(b.startTime, b.endTime, timeZone)} (${timeZone}); ${formatInterval(b.startTime, b.endTime, 'UTC')}.`,
      `Price: ${formatPrice(b.priceAmount, b.currency)}.`,
    ].join(' '),
    status: cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: mailAddress(from),
    attendees: [{ email: b.contactEmail, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.ACCEPTED, rsvp: false }],
  });
  return calendar.toString();
}

/**
 * How this invitation relates to the first one: a reschedule is a REQUEST with a higher SEQUENCE, a
 * cancellation a CANCEL with a higher one still; both keep the UID, so calendars update the same event.
 */
export interface InviteChange {
  method: 'REQUEST' | 'CANCEL';
  sequence: number;
  /** DTSTAMP: when the change was made */
  stamp: Date;
}

/** The confirmation email; its Message-ID comes from the booking id, so a resend is recognisable as the same message. */
export function confirmationMessage(b: ConfirmedBooking, from: string): SendMailOptions {
  const local = formatInterval(b.startTime, b.endTime, b.professional.timeZone);
  const utc = formatInterval(b.startTime, b.endTime, 'UTC');
  const price = formatPrice(b.priceAmount, b.currency);
  const text = [
    `Your booking with ${b.professional.name} is confirmed.`,
    '',
    `When:  ${local} (${b.professional.timeZone})`,
    `       ${utc}`,
    `Price: ${price}`,
    `Booking reference: ${b.id}`,
    '',
    'The attached invitation (booking.ics) adds the appointment to your calendar.',
  ].join('\n');
  return {
    from,
    to: b.contactEmail,
    subject: `Booking confirmed: ${b.professional.name}, ${local}`,
    messageId: `<booking-${b.id}.confirmation@${mailDomain(from)}>`,
    text,
    icalEvent: { method: 'REQUEST', filename: 'booking.ics', content: calendarInvite(b, from) },
  };
}

/** "Your booking has moved": the new time, with an invitation that updates the calendar event (same UID, higher SEQUENCE). */
export function rescheduledMessage(b: ConfirmedBooking, from: string, change: { sequence: number; at: Date }): SendMailOptions {
  const local = formatInterval(b.startTime, b.endTime, b.professional.timeZone);
  const text = [
    `Your booking with ${b.professional.name} has been moved.`,
    '',
    `New time: ${local} (${b.professional.timeZone})`,
    `          ${formatInterval(b.startTime, b.endTime, 'UTC')}`,
    `Price:    ${formatPrice(b.priceAmount, b.currency)} (unchanged)`,
    `Booking reference: ${b.id}`,
    '',
    'The attached invitation (booking.ics) updates the appointment in your calendar.',
  ].join('\n');
  return {
    from,
    to: b.contactEmail,
    subject: `Booking moved: ${b.professional.name}, ${local}`,
    messageId: `<booking-${b.id}.rescheduled-${change.sequence}@${mailDomain(from)}>`,
    text,
    icalEvent: {
      method: 'REQUEST',
      filename: 'booking.ics',
      content: calendarInvite(b, from, { method: 'REQUEST', sequence: change.sequence, stamp: change.at }),
    },
  };
}

/** "Your booking is cancelled", with the refund when there is one and a CANCEL for the calendar event. */
export function cancelledMessage(b: ConfirmedBooking, from: string, change: { sequence: number; at: Date; refundAmount: number | null }): SendMailOptions {
  const local = formatInterval(b.startTime, b.endTime, b.professional.timeZone);
  const refund =
    change.refundAmount && change.refundAmount > 0
      ? `Refund: ${formatPrice(change.refundAmount, b.currency)} of ${formatPrice(b.priceAmount, b.currency)}, to the card you paid with.`
      : 'Refund: none (the cancellation policy gives no refund this close to the start).';
  const text = [
    `Your booking with ${b.professional.name} has been cancelled.`,
    '',
    `Was:   ${local} (${b.professional.timeZone})`,
    refund,
    `Booking reference: ${b.id}`,
    '',
    'The attached cancellation (booking.ics) removes the appointment from your calendar.',
  ].join('\n');
  return {
    from,
    to: b.contactEmail,
    subject: `Booking cancelled: ${b.professional.name}, ${local}`,
    messageId: `<booking-${b.id}.cancelled@${mailDomain(from)}>`,
    text,
    icalEvent: {
      method: 'CANCEL',
      filename: 'booking.ics',
      content: calendarInvite(b, from, { method: 'CANCEL', sequence: change.sequence, stamp: change.at }),
    },
  };
}
