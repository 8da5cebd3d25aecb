import { Packr } from 'msgpackr';
import { Random } from '../support/random';

/**
 * Hostile values and mutators shared by the WebSocket and REST fuzzers: structural mutations of
 * JSON-like values (keys dropped, added, retyped; `__proto__`/`constructor` keys as own
 * properties; huge and odd numbers; deep nesting) and byte-level mutations of encoded frames.
 */

/** A number that JSON cannot carry as a JS number (1e400, NaN, -0.0, long digit strings). */
export class RawNumber {
  constructor(readonly text: string) {}
}

const packr = new Packr({ useRecords: false });

const ODD_NUMBERS = [
  0, -0, 1, -1, 0.5, 1.0000001, 0.1 + 0.2, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53),
  2 ** 63, 2 ** 64, 1e21, 1e308, -1e308, 5e-324, 1e-7, 0.000001, 0.0000001, 1_000_000, 1_000_000.000001, 999_999.9999999,
  Number.MAX_VALUE, Number.MIN_VALUE, 123456.123456, 42,
];

const RAW_NUMBERS = [
  '1e400', '-1e400', '1e-400', '-0.0', '0e0', '1E+2', '123456789012345678901234567890', '0.000000000000000000000000001',
  '1' + '0'.repeat(310), '9'.repeat(400) + '.9', '-' + '9'.repeat(30), '1.' + '1'.repeat(100), '1e999999999', '0.1e1',
];

/** Keys that have bitten JavaScript services: prototype keys, role/identity fields, totals. */
export const HOSTILE_KEYS = [
  '__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'valueOf', 'hasOwnProperty',
  'role', 'id', 'user_id', 'is_admin', 'admin', 'disabled_at', 'password_hash', 'referrer_id', 'referred_by',
  'referral_code', 'total', 'points', 'points_earned', 'balance', 'network', 'bonus', 'amount', 'source', 'epoch',
  'created_at', 'session_id', 'email', '', ' ', 'a'.repeat(300), '\u0000', 'type', 'payload', '$where', '$gt',
];

export function oddNumber(random: Random): number | RawNumber {
  return random.bool(0.8) ? random.pick(ODD_NUMBERS) : new RawNumber(random.pick(RAW_NUMBERS));
}

export function randomString(random: Random, maxLength = 40): string {
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_',
    'abc._:-0123',
    '\'"`;\\%_$(){}[]<>&|*?!#=+,/ \t\r\n',
    '\u0000\u0001\u001f\u007f\u0080\u009f\u00a0\u00ff\u200b\u202e\u2028\ufeff\uffff\ud800\udc00',
  ];
  const alphabet = random.pick(alphabets);
  let text = '';
  const length = random.int(0, maxLength);
  for (let i = 0; i < length; i++) text += alphabet[random.int(0, alphabet.length - 1)];
  return text;
}

/** A text value: from the hostile corpus, random, long, or just over a field's limit. */
export function hostileString(random: Random, strings: readonly string[]): string {
  return random.weighted<() => string>([
    [6, () => random.pick(strings)],
    [3, () => randomString(random)],
    [1, () => 'x'.repeat(random.pick([31, 32, 33, 63, 64, 65, 127, 128, 129, 200, 201, 254, 255, 256, 512, 513, 5000]))],
    [1, () => random.pick(strings) + random.pick(strings)],
  ])();
}

/** Any JSON-ish value, a few levels deep at most. */
export function hostileValue(random: Random, strings: readonly string[], depth = 0): unknown {
  const kinds: Array<readonly [number, () => unknown]> = [
    [2, () => null],
    [1, () => random.bool()],
    [4, () => oddNumber(random)],
    [6, () => hostileString(random, strings)],
  ];
  if (depth < 3) {
    kinds.push([1, () => Array.from({ length: random.int(0, 3) }, () => hostileValue(random, strings, depth + 1))]);
    kinds.push([1, () => hostileObject(random, strings, depth + 1)]);
  }
  return random.weighted(kinds)();
}

/** Sets a key as an own, enumerable property, so `__proto__` is data, not the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function hostileObject(random: Random, strings: readonly string[], depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const count = random.int(0, 3);
  for (let i = 0; i < count; i++) {
    setOwn(object, random.bool(0.7) ? random.pick(HOSTILE_KEYS) : randomString(random, 12), hostileValue(random, strings, depth + 1));
  }
  return object;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawNumber);
}

/** Deep copy that keeps own `__proto__` keys as data. */
export function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(copy, key, clone(value[key]));
    return copy;
  }
  return value;
}

/** One structural mutation somewhere in the value (a copy is returned). */
export function mutateValue(random: Random, value: unknown, strings: readonly string[]): unknown {
  const root = clone(value);
  // Collect the containers, then mutate one of them (or the root itself).
  const containers: Array<Record<string, unknown> | unknown[]> = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 6) return;
    if (Array.isArray(node)) {
      containers.push(node);
      node.forEach((child) => walk(child, depth + 1));
    } else if (isPlainObject(node)) {
      containers.push(node);
      Object.keys(node).forEach((key) => walk(node[key], depth + 1));
    }
  };
  walk(root, 0);
  if (containers.length === 0 || random.bool(0.08)) {
    return random.weighted<() => unknown>([
      [3, () => hostileValue(random, strings)],
      [1, () => [root]],
      [1, () => ({ type: root })],
      [1, () => ({ type: 'Connect', payload: root })],
    ])();
  }
  const target = random.pick(containers);
  if (Array.isArray(target)) {
    const action = random.int(0, 2);
    if (action === 0 || target.length === 0) target.push(hostileValue(random, strings));
    else if (action === 1) target.splice(random.int(0, target.length - 1), 1);
    else target[random.int(0, target.length - 1)] = hostileValue(random, strings);
    return root;
  }
  const keys = Object.keys(target);
  const action = random.weighted<string>([
    [4, 'replace'],
    [2, 'add'],
    [2, 'delete'],
    [1, 'rename'],
    [1, 'duplicate-as-proto'],
  ]);
  if (action === 'replace' && keys.length > 0) {
    setOwn(target, random.pick(keys), hostileValue(random, strings));
  } else if (action === 'delete' && keys.length > 0) {
    delete target[random.pick(keys)];
  } else if (action === 'rename' && keys.length > 0) {
    const key = random.pick(keys);
    const moved = target[key];
    delete target[key];
    setOwn(target, random.bool() ? key.toUpperCase() : `${key} `, moved);
  } else if (action === 'duplicate-as-proto') {
    setOwn(target, random.pick(['__proto__', 'constructor', 'prototype']), clone(target));
  } else {
    setOwn(target, random.pick(HOSTILE_KEYS), hostileValue(random, strings));
  }
  return root;
}

/** JSON text of a value, with RawNumber written verbatim (JSON.stringify cannot). */
export function toJsonText(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${toJsonText(value[key])}`)
      .join(',')}}`;
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** MessagePack of a value (RawNumber becomes the nearest double). */
export function toMsgpack(value: unknown): Buffer {
  const plain = (node: unknown): unknown => {
    if (node instanceof RawNumber) return Number(node.text);
    if (Array.isArray(node)) return node.map(plain);
    if (isPlainObject(node)) {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(node)) setOwn(copy, key, plain(node[key]));
      return copy;
    }
    return node;
  };
  return packr.pack(plain(value));
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0xc0, 0xc1, 0xc3, 0xdc, 0xdd, 0xde, 0xdf, 0xd9, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a];

/** A few byte-level mutations (flip, set, insert, delete, duplicate, truncate). */
export function mutateBytes(random: Random, input: Buffer, rounds = random.int(1, 4)): Buffer {
  let bytes = Buffer.from(input);
  for (let round = 0; round < rounds; round++) {
    const at = bytes.length === 0 ? 0 : random.int(0, bytes.length - 1);
    switch (random.int(0, 6)) {
      case 0:
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << random.int(0, 7));
        break;
      case 1:
        if (bytes.length > 0) bytes[at] = random.pick(INTERESTING_BYTES);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([random.pick(INTERESTING_BYTES)]), bytes.subarray(at)]);
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + random.int(1, 8)))]);
        break;
      case 4: {
        const end = Math.min(bytes.length, at + random.int(1, 16));
        bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
        break;
      }
      case 5:
        bytes = bytes.subarray(0, at);
        break;
      default:
        bytes = Buffer.concat([bytes.subarray(0, at), random.bytes(random.int(1, 8)), bytes.subarray(at)]);
    }
  }
  return bytes;
}

/** Deeply nested JSON text of about `bytes` length: arrays, objects, balanced or not. */
export function deepJson(random: Random, bytes: number): string {
  const style = random.int(0, 3);
  if (style === 0) {
    const depth = Math.floor(bytes / 2);
    return '['.repeat(depth) + ']'.repeat(depth);
  }
  if (style === 1) {
    const depth = Math.floor(bytes / 7);
    return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  }
  if (style === 2) return '['.repeat(bytes);
  const depth = Math.floor(bytes / 16);
  return '{"type":"Connect","payload":'.repeat(1) + '{"device_id":['.repeat(depth) + ']}'.repeat(depth) + '}';
}

/** Deeply nested MessagePack: fixarray/fixmap headers repeated. */
export function deepMsgpack(random: Random, bytes: number): Buffer {
  if (random.bool()) return Buffer.alloc(bytes, 0x91); // [[[[...
  const unit = Buffer.from([0x81, 0xa1, 0x61]); // {"a": {"a": ...
  return Buffer.concat([...Array.from({ length: Math.floor(bytes / 3) }, () => unit), Buffer.from([0xc0])]);
}

/** Text that is not valid UTF-8 (for text frames and request bodies). */
export function invalidUtf8(random: Random): Buffer {
  const bad = random.pick(['c328', 'a0a1', 'e228a1', 'e28228', 'f0288cbc', 'f8a1a1a1a1', 'eda080', 'c0af', 'fe', 'ff', 'f4908080']);
  const prefix = Buffer.from(random.pick(['{"type":"', '', '{"type":"Connect","payload":{"device_id":"', '{"email":"']), 'utf8');
  return Buffer.concat([prefix, Buffer.from(bad, 'hex'), Buffer.from(random.pick(['"}', '', '"}}']), 'utf8')]);
}
