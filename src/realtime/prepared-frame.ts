import type { WebSocket } from 'ws';
import { encodeShared, WireFormat } from './codec';
import { ServerFrame } from './protocol';

const FIN = 0x80;
const TEXT = 0x01;
const BINARY = 0x02;

/**
 * A frame as it goes on the wire: the WebSocket header (FIN, text or binary, the length) and the
 * payload in one Buffer. Server frames are not masked, so these bytes are the same for every socket.
 * Its own allocation, not a view into Buffer's shared pool: a slow socket may hold it for a while.
 */
export function wireFrame(payload: Buffer, binary: boolean): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const bytes = Buffer.allocUnsafeSlow(headerLength + length);
  bytes[0] = FIN | (binary ? BINARY : TEXT);
  if (length < 126) {
    bytes[1] = length;
  } else if (length < 65_536) {
    bytes[1] = 126;
    bytes.writeUInt16BE(length, 2);
  } else {
    bytes[1] = 127;
    bytes.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    bytes.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(bytes, headerLength);
  return bytes;
}

/**
 * An update for many sockets, encoded once per wire format: its payload (what a held update keeps,
 * and what ws.send takes) and, made when first written, its whole frame.
 */
export class SharedUpdate {
  readonly payload: Buffer;
  private wire: Buffer | null = null;

  constructor(
    frame: ServerFrame,
    private readonly format: WireFormat,
  ) {
    this.payload = encodeShared(frame, format);
  }

  get wireBytes(): Buffer {
    return (this.wire ??= wireFrame(this.payload, this.format === 'msgpack'));
  }
}

/**
 * Writes a whole frame straight to the socket's TCP stream, which is what ws.send does in the end
 * but with a header, an options object, a cork and a two-chunk writev for every socket: the
 * fan-out of one update to thousands of sockets pays that per socket. Only valid while ws can have
 * nothing queued of its own, i.e. without permessage-deflate (the lean adapter turns it off for
 * every server) and without Blob sends (the core sends none); the caller checks the socket is open.
 * False when the stream is not reachable (then send through ws).
 */
export function writeWireFrame(ws: WebSocket, bytes: Buffer): boolean {
  // ws keeps its net.Socket as `_socket` (not in its types); `coalesceWritesThisTick` uses it too.
  const socket = (ws as unknown as { _socket?: { write(chunk: Buffer): boolean } })._socket;
  if (socket === undefined) return false;
  socket.write(bytes);
  return true;
}
