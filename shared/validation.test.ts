import { expect } from 'chai';
import { intervalEndError, isoInstant, isTimeZone, Joi, multilineText, timeZone, validate } from './validation.ts';

describe('validation', () => {
  describe('strings refuse control characters', () => {
    const line = Joi.object({ v: Joi.string() });
    const text = Joi.object({ v: multilineText() });
    const cases: Array<[string, boolean, boolean]> = [
      // value, accepted in a one-line field, accepted in free text
      ['plain', true, true],
      ['tab\there', false, true],
      ['two\nlines', false, true],
      ['crlf\r\nline', false, true],
      ['nul\u0000', false, false],
      ['bell\u0007', false, false],
      ['escape\u001b[31m', false, false],
      ['del\u007f', false, false],
      ['unicode été 🔧', true, true],
    ];
    for (const [value, oneLine, free] of cases) {
      it(`${JSON.stringify(value)}: one-line ${oneLine ? 'accepts' : 'refuses'}, free text ${free ? 'accepts' : 'refuses'}`, () => {
        expect(validate(line, { v: value }).ok).to.equal(oneLine);
        expect(validate(text, { v: value }).ok).to.equal(free);
      });
    }
  });

  describe('isoInstant keeps to years 0000–9999 in UTC', () => {
    const schema = Joi.object({ t: isoInstant() });
    const cases: Array<[string, boolean]> = [
      ['2030-01-01T10:00:00Z', true],
      ['9999-12-31T23:59:59Z', true],
      ['0000-01-01T00:00:00Z', true],
      ['9999-12-31T21:00:00-05:00', false],
      ['0000-01-01T00:30:00+01:00', false],
      ['2025-02-30T10:00:00Z', false],
      ['2030-01-01T10:00:00', false],
    ];
    for (const [value, accepted] of cases) {
      it(`${accepted ? 'accepts' : 'refuses'} ${value}`, () => {
        expect(validate(schema, { t: value }).ok).to.equal(accepted);
      });
    }
    it('names an interval that would end after 9999', () => {
      expect(intervalEndError('start_time', new Date('9999-12-31T23:30:00Z'), 60)?.field).to.equal('start_time');
      expect(intervalEndError('start_time', new Date('9999-12-31T22:00:00Z'), 60)).to.equal(undefined);
    });
  });

  describe('time zones: IANA names, canonical or link, as the database spells them', () => {
    const cases: Array<[string, boolean]> = [
      ['UTC', true],
      ['Europe/Kyiv', true],
      ['Europe/Kiev', true],
      ['Asia/Kathmandu', true],
      ['Australia/Lord_Howe', true],
      ['America/Argentina/Buenos_Aires', true],
      ['America/Port-au-Prince', true],
      ['Etc/GMT+5', true],
      ['Africa/Accra', true],
      ['+05:30', false],
      ['-05:00', false],
      ['utc', false],
      ['europe/kyiv', false],
      ['GMT+5', false],
      ['Mars/Olympus_Mons', false],
      ['Europe/Kyiv\u0000', false],
      ['', false],
    ];
    for (const [value, accepted] of cases) {
      it(`${accepted ? 'accepts' : 'refuses'} ${JSON.stringify(value)}`, () => {
        expect(isTimeZone(value)).to.equal(accepted);
        expect(validate(Joi.object({ tz: timeZone() }), { tz: value }).ok).to.equal(accepted);
      });
    }
  });

  it('refuses a __proto__ key at any depth, naming it', () => {
    const schema = Joi.object({ a: Joi.object({ b: Joi.number() }) });
    const result = validate(schema, JSON.parse('{"a":{"b":1,"__proto__":{"x":1}}}'));
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.errors).to.deep.equal([{ field: 'a.__proto__', message: '"a.__proto__" is not allowed' }]);
  });
});
