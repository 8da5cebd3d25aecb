import { Packr, Unpackr } from 'msgpackr';
import { DashboardErrorType } from '../common/errors';
import { ClientMessage, ProtocolError, ServerFrame, toClientMessage } from './protocol';

export type WireFormat = 'json' | 'msgpack';

/** Records and extensions off: plain maps and arrays, the same envelope as JSON. */
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Keys that could reach an object's prototype are dropped while parsing. */
function safeReviver(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

/** One encoded frame: text for JSON, binary for MessagePack. */
export type EncodedFrame = string | Buffer;

export function encodeFrame(frame: ServerFrame, format: WireFormat): EncodedFrame {
  return format === 'json' ? JSON.stringify(frame) : packr.pack(frame);
}

/**
 * A frame for many sockets (an update to every socket of a user, the Heartbeat reply): JSON as its
 * UTF-8 bytes, made once. Given a string, every socket's write would encode it to UTF-8 again.
 * Sent with `SEND_OPTIONS`, it still goes out as a text frame.
 */
export function encodeShared(frame: ServerFrame, format: WireFormat): Buffer {
  return format === 'json' ? Buffer.from(JSON.stringify(frame)) : packr.pack(frame);
}

/** ws send options per wire format: JSON frames are text frames whether given as a string or as bytes. */
export const SEND_OPTIONS: Readonly<Record<WireFormat, { readonly binary: boolean }>> = {
  json: { binary: false },
  msgpack: { binary: true },
};

/**
 * The Heartbeat as nearly every client sends it, byte for byte. Most frames a server reads are
 * this one, so it is recognised by a 20-byte compare instead of a JSON parse with a reviver (and
 * the objects that parse makes, at tens of thousands a second).
 */
const HEARTBEAT_TEXT = Buffer.from('{"type":"Heartbeat"}');
const HEARTBEAT: ClientMessage = Object.freeze({ type: 'Heartbeat' });

/**
 * Decodes one client frame: text frames are JSON, binary frames MessagePack, whatever the
 * connection's format (clients may mix). Anything undecodable or unknown is a ProtocolError.
 */
export function decodeFrame(data: Buffer, isBinary: boolean): ClientMessage {
  if (!isBinary && data.length === HEARTBEAT_TEXT.length && data.equals(HEARTBEAT_TEXT)) return HEARTBEAT;
  let value: unknown;
  try {
    if (isBinary) {
      value = unpackr.unpack(data);
    } else {
      const text = data.toString('utf8');
      // ws validates UTF-8 of text frames; a replacement character means the text was not UTF-8.
      value = JSON.parse(text, safeReviver);
    }
  } catch {
    throw new ProtocolError(
      DashboardErrorType.MessageParseError,
      isBinary ? 'Frame is not valid MessagePack' : 'Frame is not valid JSON',
    );
  }
  return toClientMessage(value);
}
