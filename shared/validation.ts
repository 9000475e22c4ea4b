import BaseJoi from 'joi';
import { Temporal } from 'temporal-polyfill';
import { fail, ok, type FieldError, type Result } from './errors.ts';

/** C0 control characters and DEL: PostgreSQL refuses NUL, and the others only serve to forge lines and headers. */
const CONTROL = /[\u0000-\u001F\u007F]/;
/** The same, but tab and line breaks are text in free-text fields. */
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const hasControlCharacter = (value: string, opts: { lines?: boolean } = {}): boolean => (opts.lines ? CONTROL_EXCEPT_LINES : CONTROL).test(value);

/**
 * joi whose strings refuse control characters, so no text field of any schema can carry a NUL or a
 * forged line; `multiline()` lets tab and line breaks through where a field is free text.
 */
export const Joi: typeof BaseJoi = BaseJoi.extend((joi: BaseJoi.Root) => ({
  type: 'string',
  base: joi.string(),
  messages: { 'string.control': '{{#label}} must not contain control characters' },
  validate(value: unknown, helpers: BaseJoi.CustomHelpers) {
    if (typeof value === 'string' && hasControlCharacter(value, { lines: helpers.schema.$_getFlag('multiline') === true })) {
      return { value, errors: helpers.error('string.control') };
    }
    return { value };
  },
}));

/** A free-text string in which tab and line breaks are allowed (other control characters are not). */
export const multilineText = (): BaseJoi.StringSchema =>
  (Joi.string().$_setFlag('multiline', true) as unknown as BaseJoi.StringSchema) // returns the flagged clone
    .meta({ 'x-multiline': true });

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Instants from 0000-01-01 to 9999-12-31 UTC: what ISO 8601 writes with four-digit years, and what PostgreSQL and Elasticsearch read back. */
export const MIN_INSTANT_MS = Date.parse('0000-01-01T00:00:00.000Z');
export const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** True when the instant lies in 0000–9999 once in UTC. */
export const isSupportedInstant = (ms: number): boolean => ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;

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

/** A joi string that must be an ISO 8601 instant with offset, within years 0000–9999 in UTC; converts to a Date. */
export const isoInstant = () =>
  Joi.string()
    .max(40)
    .meta({
      format: 'date-time',
      'x-json-schema': { pattern: ISO_WITH_OFFSET.source },
      'x-rule':
        'ISO 8601 date-time with an explicit offset (`Z` or `±hh:mm`), between years 0000 and 9999 once in UTC; impossible dates such as 2030-02-30 are refused.',
    })
    .custom((value: string, helpers) => {
      const date = parseIsoInstant(value);
      if (!date) return helpers.error('date.isoInstant');
      return isSupportedInstant(date.getTime()) ? date : helpers.error('date.instantRange');
    })
    .messages({
      'date.isoInstant': '{{#label}} must be an ISO 8601 date-time with an offset (e.g. 2030-01-01T10:00:00Z) that exists',
      'date.instantRange': '{{#label}} must lie between years 0000 and 9999 in UTC',
    });

/** The field error for an interval `[start, start + minutes)` that ends after 9999-12-31 UTC, if it does. */
export function intervalEndError(field: string, start: Date, minutes: number): FieldError | undefined {
  return isSupportedInstant(start.getTime() + minutes * 60_000) ? undefined : { field, message: `${field} plus the duration must end by 9999-12-31T23:59:59Z` };
}

const TIME_ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * An IANA time zone name, canonical or link (`UTC`, `Europe/Kyiv`, `Asia/Kathmandu`), spelled as the
 * database spells it. Offsets (`+05:30`), other spellings (`utc`) and made-up names (`GMT+5`) are refused.
 * Intl alone cannot decide: it accepts offsets and any letter case, and its list of zones misses links
 * such as Europe/Kyiv; Temporal normalises a name to the database's spelling, which must be the one given.
 */
export function isTimeZone(value: string): boolean {
  if (!TIME_ZONE_SHAPE.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return Temporal.Now.zonedDateTimeISO(value).timeZoneId === value;
  } catch {
    return false;
  }
}

/** The joi rule for time zone fields; every endpoint that takes a time zone uses it. */
export const timeZone = () =>
  Joi.string()
    .max(64)
    .meta({
      'x-json-schema': { pattern: TIME_ZONE_SHAPE.source },
      'x-rule':
        'IANA time zone name, canonical or link, spelled as in the time zone database (`UTC`, `Europe/Kyiv`, `Asia/Kathmandu`); offsets such as `+05:30` and other spellings such as `utc` are refused.',
    })
    .custom((value: string, helpers) => (isTimeZone(value) ? value : helpers.error('string.timeZone')))
    .messages({ 'string.timeZone': '{{#label}} must be an IANA time zone name such as Europe/Kyiv or UTC' });

/**
 * A key JSON.parse creates as an own property but that object spreads and copies drop or turn into a
 * prototype; refused like any unknown field rather than silently ignored.
 */
const FORBIDDEN_KEY = '__proto__';

function forbiddenKeyPath(value: unknown): string | undefined {
  const stack: Array<[unknown, string[]]> = [[value, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      const childPath = [...path, key];
      if (key === FORBIDDEN_KEY) return childPath.join('.');
      stack.push([(node as Record<string, unknown>)[key], childPath]);
    }
  }
  return undefined;
}

/** Validates with joi; every problem is reported with the field it concerns. */
export function validate<T>(schema: BaseJoi.Schema<T>, value: unknown): Result<T, 'validation_error'> {
  const forbidden = forbiddenKeyPath(value);
  if (forbidden !== undefined) {
    const message = `"${forbidden}" is not allowed`;
    return fail('validation_error', message, [{ field: forbidden, message }]);
  }
  const { value: parsed, error } = schema.validate(value, { abortEarly: false, convert: true, errors: { wrap: { label: false } } });
  if (!error) return ok(parsed);
  const errors: FieldError[] = error.details.map((d) => ({
    field: d.path.length > 0 ? d.path.join('.') : 'body',
    message: d.message,
  }));
  return fail('validation_error', errors.map((e) => e.message).join('; '), errors);
}
