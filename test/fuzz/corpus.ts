import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One hand-built WebSocket frame of the raw corpus (see corpus/raw-frames.json). */
export interface RawFrameSpec {
  opcode: number;
  fin?: boolean;
  /** RSV1..3 as bits 4, 2, 1. */
  rsv?: number;
  /** `text:...`, `hex:...`, `repeat:<count>:<hex byte>` or empty. */
  payload: string;
  mask?: boolean;
  /** Declared payload length instead of the real one (number or 0x-hex string for 64-bit values). */
  length?: number | string;
  /** Force a 16- or 64-bit length field for a short payload (non-minimal encoding). */
  encoding?: 16 | 64;
}

/** What the server must do with a raw case: close with one of the codes, reply, either, or nothing. */
export type RawExpectation = { close: number[] } | 'reply' | 'any' | 'none';

export interface RawFrameCase {
  name: string;
  expect: RawExpectation;
  frames: RawFrameSpec[];
  /** Bytes written after the frames (e.g. a partial header). */
  tail?: string;
}

export interface RestSeed {
  method: string;
  path: string;
  auth: 'none' | 'user' | 'admin';
  body?: unknown;
  query?: Record<string, string>;
}

/** The fuzzer's seed corpus (test/fuzz/corpus/*.json), kept in the repository. */
export interface Corpus {
  strings: string[];
  wsValues: unknown[];
  wsTexts: string[];
  msgpack: Array<{ name: string; bytes: Buffer }>;
  rawFrames: RawFrameCase[];
  httpRaw: string[];
  rest: RestSeed[];
  ids: string[];
}

const DIRECTORY = join(__dirname, 'corpus');

function read<T>(name: string): T {
  return JSON.parse(readFileSync(join(DIRECTORY, name), 'utf8')) as T;
}

export function loadCorpus(): Corpus {
  const strings = read<{ strings: string[] }>('hostile-strings.json').strings;
  const ws = read<{ values: unknown[]; texts: string[] }>('ws-messages.json');
  const msgpack = read<{ frames: Array<{ name: string; hex: string }> }>('msgpack-frames.json').frames;
  const raw = read<{ cases: RawFrameCase[] }>('raw-frames.json').cases;
  const http = read<{ requests: string[] }>('http-raw.json').requests;
  const rest = read<{ requests: RestSeed[]; ids: string[] }>('rest-requests.json');
  return {
    strings,
    wsValues: ws.values,
    wsTexts: ws.texts,
    msgpack: msgpack.map((frame) => ({ name: frame.name, bytes: Buffer.from(frame.hex, 'hex') })),
    rawFrames: raw,
    httpRaw: http,
    rest: rest.requests,
    ids: rest.ids,
  };
}

/** Decodes a corpus payload notation into bytes. */
export function payloadBytes(payload: string): Buffer {
  if (payload === '') return Buffer.alloc(0);
  if (payload.startsWith('text:')) return Buffer.from(payload.slice(5), 'utf8');
  if (payload.startsWith('hex:')) return Buffer.from(payload.slice(4).replace(/\s+/g, ''), 'hex');
  if (payload.startsWith('repeat:')) {
    const [, count, byte] = payload.split(':');
    return Buffer.alloc(Number(count), Number.parseInt(byte!, 16));
  }
  throw new Error(`Unknown payload notation: ${payload.slice(0, 20)}`);
}
