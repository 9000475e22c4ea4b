/**
 * OpenAPI schemas generated from the joi schemas that validate requests and describe responses, so
 * the documents cannot drift from the code. A route documents its body, query or response by
 * registering the same joi schema it validates with; nested schemas named with joi's `.id('Name')`
 * become shared components.
 */
import joiToJson from 'joi-to-json';
import type BaseJoi from 'joi';

// the package is CommonJS (`module.exports = parse`); its typings describe an ES default export
const parse = joiToJson as unknown as (joi: BaseJoi.Schema, mode: 'open-api-3.1', definitions: Record<string, unknown>) => unknown;

export type JsonSchema = Record<string, unknown>;
type Direction = 'input' | 'output';

/** What a one-line text field accepts: no control characters (shared/validation.ts refuses them). */
const ONE_LINE_TEXT = '^[^\\u0000-\\u001F\\u007F]*$';
/** Free text: tab and line breaks too. */
const MULTILINE_TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

/**
 * joi-to-json output made exact: `x-json-schema` metas (what a custom joi rule checks, e.g. a time
 * zone's shape) merged in, `x-rule` metas appended to the description, unicode patterns written as JSON Schema patterns, and on inputs every free
 * string constrained as the joi string type constrains it (no control characters).
 */
function refine(node: unknown, direction: Direction): void {
  if (Array.isArray(node)) return node.forEach((child) => refine(child, direction));
  if (node === null || typeof node !== 'object') return;
  const schema = node as JsonSchema;
  const extra = schema['x-json-schema'];
  if (extra && typeof extra === 'object') {
    Object.assign(schema, extra);
    delete schema['x-json-schema'];
  }
  // a rule a custom joi check enforces, added to whatever the field's own description says
  if (typeof schema['x-rule'] === 'string') {
    schema.description = [schema.description, schema['x-rule']].filter(Boolean).join(' ');
    delete schema['x-rule'];
  }
  if (typeof schema.pattern === 'string') schema.pattern = schema.pattern.replace(/\/[a-z]+$/, ''); // joi-to-json appends the flags
  const multiline = schema['x-multiline'] === true;
  delete schema['x-multiline'];
  const isString = schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'));
  if (direction === 'input' && isString && !schema.pattern && !schema.enum && !schema.const && !schema.format) {
    schema.pattern = multiline ? MULTILINE_TEXT : ONE_LINE_TEXT;
  }
  for (const value of Object.values(schema)) refine(value, direction);
}

/** The JSON Schema (OpenAPI 3.1) of a joi schema, with the named components it refers to. */
export function toJsonSchema(joi: BaseJoi.Schema, direction: Direction): { schema: JsonSchema; components: Record<string, JsonSchema> } {
  const definitions: Record<string, JsonSchema> = {};
  const schema = parse(joi, 'open-api-3.1', definitions) as JsonSchema;
  delete schema.schemas;
  refine(schema, direction);
  refine(definitions, direction);
  return { schema, components: definitions };
}

/**
 * The component schemas of one API document. `input` schemas validate requests, `output` schemas
 * describe responses; both are the joi schemas the code uses.
 */
export class SchemaRegistry {
  private readonly schemas: Record<string, JsonSchema> = {};

  /** Registers a joi schema as a named component and returns its `$ref`. */
  add(name: string, joi: BaseJoi.Schema, direction: Direction, example?: unknown): { $ref: string } {
    const { schema, components } = toJsonSchema(joi, direction);
    for (const [key, value] of Object.entries(components)) this.put(key, value);
    this.put(
      name,
      schema.$ref ? this.schemas[String(schema.$ref).split('/').pop()!]! : { ...schema, ...(example === undefined ? {} : { examples: [example] }) },
    );
    return SchemaRegistry.ref(name);
  }

  /** A hand-written component, for what no joi schema describes (e.g. a third party's event). */
  addRaw(name: string, schema: JsonSchema): { $ref: string } {
    this.put(name, schema);
    return SchemaRegistry.ref(name);
  }

  static ref(name: string): { $ref: string } {
    return { $ref: `#/components/schemas/${name}` };
  }

  all(): Record<string, JsonSchema> {
    return this.schemas;
  }

  private put(name: string, schema: JsonSchema): void {
    const existing = this.schemas[name];
    const shape = ({ examples: _examples, ...rest }: JsonSchema) => JSON.stringify(rest);
    if (existing && shape(existing) !== shape(schema)) throw new Error(`openapi: two different schemas named ${name}`);
    this.schemas[name] = { ...existing, ...schema };
  }
}

/** One OpenAPI parameter per key of a joi object schema (query string or path), required as joi says. */
export interface Parameter {
  name: string;
  in: 'query' | 'path';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export function parametersOf(joi: BaseJoi.ObjectSchema, location: 'query' | 'path', descriptions: Record<string, string> = {}): Parameter[] {
  const keys = (joi.describe().keys ?? {}) as Record<string, { flags?: { presence?: string; description?: string } }>;
  return Object.entries(keys).map(([name, key]) => {
    const { schema } = toJsonSchema(joi.extract(name), 'input');
    const description = descriptions[name] ?? (schema.description as string | undefined);
    delete schema.description;
    return {
      name,
      in: location,
      required: location === 'path' || key.flags?.presence === 'required',
      ...(description ? { description } : {}),
      schema,
    };
  });
}
