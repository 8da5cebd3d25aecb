import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Holds WebSocket frames against the AsyncAPI document (docs/asyncapi.json, which the suite checks
 * is exactly what the service serves). A frame is valid on an endpoint when the document lists a
 * message of its `type` for that channel and direction, and the frame matches the message's
 * schema. Strictly: objects may carry no field the schema does not name, so an undocumented field
 * fails like an undocumented message. TestSocket runs every frame it receives or sends through here.
 */

type Node = Record<string, any>;
export type Direction = 'server' | 'client';

const DOCUMENT_PATH = join(__dirname, '..', '..', 'docs', 'asyncapi.json');

/** A copy of the schemas with `additionalProperties: false` on every object that names its properties. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Node = {};
  for (const [keyword, value] of Object.entries(schema as Node)) {
    copy[keyword] =
      keyword === 'properties' ? Object.fromEntries(Object.entries(value as Node).map(([name, sub]) => [name, strict(sub)])) : strict(value);
  }
  if (copy.properties !== undefined && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

function resolve(document: Node, ref: string): Node {
  return ref
    .slice(2)
    .split('/')
    .reduce<Node>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Node, document);
}

export class FrameValidator {
  /** Per channel address and direction: message type → validator. */
  private readonly byChannel = new Map<string, Record<Direction, Map<string, ValidateFunction>>>();

  constructor(document: Node) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const id = 'asyncapi.json';
    ajv.addSchema({ $id: id, components: { schemas: strict(document.components.schemas) } });
    const compiled = new Map<string, ValidateFunction>();
    const validatorOf = (schemaRef: string) => {
      let validate = compiled.get(schemaRef);
      if (validate === undefined) {
        validate = ajv.compile({ $ref: `${id}${schemaRef}` });
        compiled.set(schemaRef, validate);
      }
      return validate;
    };
    for (const [name, channel] of Object.entries(document.channels as Record<string, Node>)) {
      const directions: Record<Direction, Map<string, ValidateFunction>> = { server: new Map(), client: new Map() };
      for (const operation of Object.values(document.operations as Record<string, Node>)) {
        if (operation.channel.$ref !== `#/channels/${name}`) continue;
        // The document speaks for the server: it sends server → client frames and receives the others.
        const direction: Direction = operation.action === 'send' ? 'server' : 'client';
        for (const { $ref } of operation.messages as Array<{ $ref: string }>) {
          const message = resolve(document, resolve(document, $ref).$ref as string);
          directions[direction].set(message.name as string, validatorOf(message.payload.$ref as string));
        }
      }
      this.byChannel.set(channel.address as string, directions);
    }
  }

  /** Every way `frame` departs from the document on `path` in `direction`; empty when it conforms. */
  problems(path: string, direction: Direction, frame: unknown): string[] {
    const address = path.split('?')[0]!;
    const channel = this.byChannel.get(address);
    if (channel === undefined) return [`the AsyncAPI document has no channel ${address}`];
    const type = typeof frame === 'object' && frame !== null ? (frame as Node).type : undefined;
    if (typeof type !== 'string') return [`a ${direction} frame without a string "type": ${JSON.stringify(frame)}`];
    const validate = channel[direction].get(type);
    if (validate === undefined) return [`the AsyncAPI document has no ${direction} message ${type} on ${address}`];
    if (validate(frame)) return [];
    return (validate.errors ?? []).map((error) => `${type} ${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  }
}

let shared: FrameValidator | undefined;

/** The validator of docs/asyncapi.json, built once per test file. */
export function frameValidator(): FrameValidator {
  shared ??= new FrameValidator(JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')) as Node);
  return shared;
}

// ---------------------------------------------------------------- violations of the running test

const violations: string[] = [];

/** Records a frame that broke the document; the suite's afterEach/afterAll hooks fail the test with it. */
export function reportViolation(description: string): void {
  violations.push(description);
}

/** Takes (and clears) the violations recorded so far. */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}
