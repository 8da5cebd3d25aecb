/**
 * OpenAPI 3.0 schemas (what @nestjs/swagger builds from the `*Response` classes) as JSON Schema
 * (draft 7, which the AsyncAPI document's schemas are): `nullable` becomes a `null` type (or a
 * `null` alternative for a reference), `example` becomes `examples`. Everything else is shared.
 */

export type JsonSchema = { [keyword: string]: unknown };

const REF_PREFIX = '#/components/schemas/';

export function toJsonSchema(schema: JsonSchema): JsonSchema {
  const { nullable, example, ...rest } = schema;
  const converted: JsonSchema = {};
  for (const [keyword, value] of Object.entries(rest)) converted[keyword] = convertKeyword(keyword, value);
  if (example !== undefined) converted.examples = [example];
  if (nullable !== true) return converted;
  if (typeof converted.type === 'string') {
    converted.type = [converted.type, 'null'];
    if (Array.isArray(converted.enum)) converted.enum = [...(converted.enum as unknown[]), null];
    return converted;
  }
  // A nullable reference or composition: "this, or null".
  const { description, ...alternative } = converted;
  return { ...(description === undefined ? {} : { description }), anyOf: [alternative, { type: 'null' }] };
}

function convertKeyword(keyword: string, value: unknown): unknown {
  switch (keyword) {
    case 'properties':
    case 'patternProperties':
      return Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, sub]) => [name, toJsonSchema(sub)]));
    case 'items':
    case 'not':
      return toJsonSchema(value as JsonSchema);
    case 'additionalProperties':
      return typeof value === 'object' && value !== null ? toJsonSchema(value as JsonSchema) : value;
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
      return (value as JsonSchema[]).map(toJsonSchema);
    default:
      return value;
  }
}

/** Names of the components a schema refers to (`$ref: '#/components/schemas/Name'`), at any depth. */
export function referencedComponents(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) referencedComponents(item, found);
  } else if (typeof schema === 'object' && schema !== null) {
    for (const [keyword, value] of Object.entries(schema)) {
      if (keyword === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) found.add(value.slice(REF_PREFIX.length));
      else referencedComponents(value, found);
    }
  }
  return found;
}

/**
 * The named components `roots` refer to, with everything they refer to in turn, converted to
 * JSON Schema and in name order. A name the OpenAPI components lack is a programming error.
 */
export function componentsClosure(roots: Iterable<string>, components: Readonly<Record<string, JsonSchema>>): Record<string, JsonSchema> {
  const pending = [...roots];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    const component = components[name];
    if (component === undefined) throw new Error(`The OpenAPI document has no schema ${name}`);
    seen.add(name);
    pending.push(...referencedComponents(component));
  }
  return Object.fromEntries([...seen].sort().map((name) => [name, toJsonSchema(components[name]!)]));
}
