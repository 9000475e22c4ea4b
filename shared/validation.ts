import Joi from 'joi';
import { fail, ok, type FieldError, type Result } from './errors.ts';

export { Joi };

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** ISO 8601 instant with an explicit offset, rejecting impossible dates such as 2025-02-30. */
export function parseIsoInstant(value: string): Date | undefined {
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  if (m[8] !== 'Z' && (Number(m[9]) > 14 || Number(m[10]) > 59)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A joi string that must be an ISO 8601 instant with offset; converts to a Date. */
export const isoInstant = () =>
  Joi.string()
    .max(40)
    .custom((value: string, helpers) => parseIsoInstant(value) ?? helpers.error('date.isoInstant'))
    .messages({ 'date.isoInstant': '{{#label}} must be an ISO 8601 date-time with an offset (e.g. 2030-01-01T10:00:00Z) that exists' });

export const timeZone = () =>
  Joi.string()
    .max(64)
    .custom((value: string, helpers) => (isTimeZone(value) ? value : helpers.error('string.timeZone')))
    .messages({ 'string.timeZone': '{{#label}} must be an IANA time zone such as Africa/Accra' });

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Validates with joi; every problem is reported with the field it concerns. */
export function validate<T>(schema: Joi.Schema<T>, value: unknown): Result<T, 'validation_error'> {
  const { value: parsed, error } = schema.validate(value, { abortEarly: false, convert: true, errors: { wrap: { label: false } } });
  if (!error) return ok(parsed as T);
  const errors: FieldError[] = error.details.map((d) => ({
    field: d.path.length > 0 ? d.path.join('.') : 'body',
    message: d.message,
  }));
  return fail('validation_error', errors.map((e) => e.message).join('; '), errors);
}
