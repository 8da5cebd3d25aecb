import { componentsClosure, referencedComponents, toJsonSchema } from './json-schema';

describe('OpenAPI 3.0 schemas as JSON Schema', () => {
  it('turns nullable into a null type, nullable enums and references into null alternatives', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, format: 'date-time' })).toEqual({ type: ['string', 'null'], format: 'date-time' });
    expect(toJsonSchema({ type: 'string', nullable: true, enum: ['a', 'b'] })).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
    expect(toJsonSchema({ nullable: true, description: 'maybe', allOf: [{ $ref: '#/components/schemas/X' }] })).toEqual({
      description: 'maybe',
      anyOf: [{ allOf: [{ $ref: '#/components/schemas/X' }] }, { type: 'null' }],
    });
    expect(toJsonSchema({ type: 'integer', nullable: false })).toEqual({ type: 'integer' });
  });

  it('turns example into examples, at every depth', () => {
    expect(
      toJsonSchema({
        type: 'object',
        example: { a: 1 },
        properties: { a: { type: 'integer', example: 1 }, list: { type: 'array', items: { type: 'string', nullable: true, example: 'x' } } },
        additionalProperties: { type: 'number', example: 2 },
      }),
    ).toEqual({
      type: 'object',
      examples: [{ a: 1 }],
      properties: { a: { type: 'integer', examples: [1] }, list: { type: 'array', items: { type: ['string', 'null'], examples: ['x'] } } },
      additionalProperties: { type: 'number', examples: [2] },
    });
  });

  it('collects the components a schema needs, transitively, and refuses a missing one', () => {
    const components = {
      A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
      B: { type: 'object', properties: { c: { type: 'array', items: { $ref: '#/components/schemas/C' } } } },
      C: { type: 'string', nullable: true },
      Unused: { type: 'string' },
    };
    expect([...referencedComponents({ anyOf: [{ $ref: '#/components/schemas/A' }, { $ref: 'elsewhere.json#/x' }] })]).toEqual(['A']);
    expect(Object.keys(componentsClosure(['A'], components))).toEqual(['A', 'B', 'C']);
    expect(componentsClosure(['A'], components).C).toEqual({ type: ['string', 'null'] });
    expect(() => componentsClosure(['Missing'], components)).toThrow('The OpenAPI document has no schema Missing');
  });
});
