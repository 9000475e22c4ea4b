import { DAY_MS } from '../../shared/schedules/intervals.ts';
import { zoneOffsets } from '../../shared/schedules/local-time.ts';

const offsetText = (ms: number) => {
  const minutes = Math.abs(ms) / 60_000;
  return `${ms < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
};
const localText = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15);

/**
 * A VTIMEZONE (RFC 5545 3.6.5) for an IANA zone, valid for a year either side of `around`: the offset
 * in force at the start of that span, then one component per change, all from the tz database. Calendar
 * clients then show DTSTART;TZID=… in the professional's zone even if they do not know the zone's name.
 */
export function vtimezone(timeZone: string, around: number): string {
  const zone = zoneOffsets(timeZone);
  const from = around - 366 * DAY_MS;
  const first = zone.offsetAt(from);
  const lines = [
    'BEGIN:VTIMEZONE',
    `TZID:${timeZone}`,
    'BEGIN:STANDARD',
    `DTSTART:${localText(from + first)}`,
    `TZOFFSETFROM:${offsetText(first)}`,
    `TZOFFSETTO:${offsetText(first)}`,
    'END:STANDARD',
  ];
  for (const { at, before, after } of zone.changes(from, around + 366 * DAY_MS)) {
    const kind = after > before ? 'DAYLIGHT' : 'STANDARD';
    // DTSTART of a change is the local time just before it, read with the offset it leaves.
    lines.push(`BEGIN:${kind}`, `DTSTART:${localText(at + before)}`, `TZOFFSETFROM:${offsetText(before)}`, `TZOFFSETTO:${offsetText(after)}`, `END:${kind}`);
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}
