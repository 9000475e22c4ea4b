import type { CustomHelpers } from 'joi';
import { Joi } from '../../shared/validation.ts';
import { parseClock } from '../../shared/schedules/local-time.ts';
import { DAYS } from '../../shared/schedules/schedule.ts';

/**
 * The request schemas of the schedule endpoints (DESIGN 3.2), kept apart from the routes so they can
 * also describe the API.
 */

const clock = () =>
  Joi.string()
    .pattern(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/)
    .messages({ 'string.pattern.base': '{{#label}} must be a local time HH:MM from 00:00 to 24:00' });

// `end` sees its sibling `start`, so the error names `end`.
const endAfterStart = (value: string, helpers: CustomHelpers) => {
  const start = parseClock(String((helpers.state.ancestors[0] as { start?: unknown }).start ?? ''));
  const end = parseClock(value);
  return start !== undefined && end !== undefined && end <= start ? helpers.error('interval.order') : value;
};

const interval = {
  start: clock().required(),
  end: clock().required().custom(endAfterStart).messages({ 'interval.order': '{{#label}} must be after start' }),
};

/** Intervals of one day may touch but never overlap; the error names the later one. */
function noOverlap(key: (i: { day?: string }) => string) {
  return (value: Array<{ day?: string; start: string; end: string }>, helpers: CustomHelpers) => {
    const sorted = value.map((v, index) => ({ ...v, index })).sort((a, b) => key(a).localeCompare(key(b)) || parseClock(a.start)! - parseClock(b.start)!);
    for (let i = 1; i < sorted.length; i++) {
      const [prev, next] = [sorted[i - 1]!, sorted[i]!];
      if (key(prev) === key(next) && parseClock(next.start)! < parseClock(prev.end)!) {
        return helpers.error('intervals.overlap', { index: next.index, other: prev.index });
      }
    }
    return value;
  };
}

const overlapMessage = { 'intervals.overlap': '{{#label}}[{{#index}}] overlaps {{#label}}[{{#other}}] on the same day' };

export const scheduleBody = Joi.object({
  weekly: Joi.array()
    .items(
      Joi.object({
        day: Joi.string()
          .valid(...DAYS)
          .required(),
        ...interval,
      }),
    )
    .max(7 * 48)
    .required()
    .custom(noOverlap((i) => i.day ?? ''))
    .messages(overlapMessage),
  buffer_before_minutes: Joi.number().strict().integer().min(0).max(240).default(0),
  buffer_after_minutes: Joi.number().strict().integer().min(0).max(240).default(0),
  minimum_notice_minutes: Joi.number().strict().integer().min(0).max(43_200).default(0),
  booking_horizon_days: Joi.number().strict().integer().min(1).max(365).default(365),
  slot_step_minutes: Joi.number().strict().integer().min(5).max(240).default(5),
  // What GET answers may be sent back unchanged: the time zone must then be the professional's own
  // (it changes with PATCH /professionals/:id), and overrides are managed per date, so ignored here.
  time_zone: Joi.string().max(64),
  overrides: Joi.array(),
}).required();

export interface ScheduleBody {
  time_zone?: string;
  weekly: Array<{ day: (typeof DAYS)[number]; start: string; end: string }>;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  minimum_notice_minutes: number;
  booking_horizon_days: number;
  slot_step_minutes: number;
}

export const overrideBody = Joi.object({
  intervals: Joi.array()
    .items(Joi.object(interval))
    .max(48)
    .required()
    .custom(noOverlap(() => ''))
    .messages(overlapMessage),
}).required();

/** A real calendar date YYYY-MM-DD (2027-02-29 is refused). */
export const overrideParams = Joi.object({
  id: Joi.string(),
  date: Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    .custom((value: string, helpers) => {
      const parsed = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value) ? value : helpers.error('date.real');
    })
    .required()
    .messages({ 'string.pattern.base': '{{#label}} must be a date YYYY-MM-DD', 'date.real': '{{#label}} must be a real calendar date' }),
});
