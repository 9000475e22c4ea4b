import { expect } from 'chai';
import { isoInstant, Joi, multilineText, timeZone } from '../validation.ts';
import { parametersOf, SchemaRegistry, toJsonSchema } from './openapi.ts';

describe('OpenAPI schemas from joi', () => {
  it('documents what the joi string type enforces on inputs: no control characters, line breaks only in free text', () => {
    const { schema } = toJsonSchema(Joi.object({ name: Joi.string().max(5), note: multilineText(), code: Joi.string().pattern(/^[a-z]+$/) }), 'input');
    const props = schema.properties as Record<string, { pattern?: string }>;
    expect(new RegExp(props.name!.pattern!, 'u').test('ab\u0000')).to.equal(false);
    expect(new RegExp(props.name!.pattern!, 'u').test('a\nb')).to.equal(false);
    expect(new RegExp(props.note!.pattern!, 'u').test('a\nb\tc')).to.equal(true);
    expect(new RegExp(props.note!.pattern!, 'u').test('a\u0000')).to.equal(false);
    expect(props.code!.pattern, 'an explicit pattern is kept').to.equal('^[a-z]+$');
    expect(toJsonSchema(Joi.object({ name: Joi.string() }), 'output').schema.properties).to.deep.equal({ name: { type: 'string' } });
  });

  it('carries the rules of custom checks: instants and time zones', () => {
    const { schema } = toJsonSchema(Joi.object({ at: isoInstant().description('When.'), tz: timeZone() }), 'input');
    const props = schema.properties as Record<string, { pattern?: string; format?: string; description?: string }>;
    expect(props.at).to.deep.include({ format: 'date-time' });
    expect(props.at!.description).to.match(/^When\. .*0000 and 9999/);
    expect(new RegExp(props.tz!.pattern!).test('+05:30')).to.equal(false);
    expect(new RegExp(props.tz!.pattern!).test('Europe/Kyiv')).to.equal(true);
  });

  it('writes unicode and case-insensitive joi patterns as plain JSON Schema patterns', () => {
    const { schema } = toJsonSchema(Joi.string().pattern(/^[\p{L}]+$/u), 'input');
    expect(schema.pattern).to.equal('^[\\p{L}]+$');
  });

  it('hoists schemas named with .id() into shared components and refuses two different ones under one name', () => {
    const registry = new SchemaRegistry();
    const price = Joi.object({ amount: Joi.number().integer() }).id('Price');
    registry.add('Order', Joi.object({ price }), 'output');
    expect(registry.all().Order!.properties).to.deep.equal({ price: { $ref: '#/components/schemas/Price' } });
    expect(registry.all()).to.have.property('Price');
    expect(() => registry.add('Other', Joi.object({ price: Joi.object({ amount: Joi.string() }).id('Price') }), 'output')).to.throw(
      /two different schemas named Price/,
    );
  });

  it('turns a joi object into parameters, required as joi says', () => {
    const params = parametersOf(Joi.object({ lat: Joi.number().required().description('Latitude'), limit: Joi.number().integer().default(20) }), 'query');
    expect(params).to.deep.equal([
      { name: 'lat', in: 'query', required: true, description: 'Latitude', schema: { type: 'number' } },
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', default: 20 } },
    ]);
  });
});
