import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'chai';

/**
 * Checks real responses against the schemas an OpenAPI 3.1 document publishes (JSON Schema 2020-12),
 * `$ref`s to its components included.
 */
export function schemaChecker(doc: object) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ ...(doc as Record<string, unknown>), $id: 'doc' });
  return (value: unknown, schema: { $ref?: string } | Record<string, unknown>, where: string): void => {
    const target = typeof schema.$ref === 'string' ? { $ref: `doc${schema.$ref}` } : schema;
    const validate = ajv.compile(target);
    const valid = validate(value);
    expect(valid, `${where} breaks its documented schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(value)}`).to.equal(true);
  };
}
