import net from 'node:net';

/**
 * A minimal WebSocket client for load generation (RFC 6455, client side): one net.Socket, the
 * upgrade written by hand, frames parsed in place, ping answered with pong. It skips what a load
 * generator does not need (extensions, fragmented sends, UTF-8 validation) so that one client
 * process can drive many thousands of sockets without becoming the bottleneck. Client frames are
 * masked with the all-zero key: legal (the key only has to be present), and it makes a frame's
 * payload bytes the plain text, so fixed frames such as Heartbeat are built once and reused.
 */
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

const KEY = Buffer.from('bench-ws-client!').toString('base64'); // any 16 bytes

/** A masked client frame (zero mask key) carrying `payload`. */
export function clientFrame(payload, opcode = OP_TEXT) {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = body.length;
  let header;
  if (length < 126) {
    header = Buffer.alloc(6);
    header[1] = 0x80 | length;
  } else if (length < 65536) {
    header = Buffer.alloc(8);
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(14);
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  header[0] = 0x80 | opcode;
  return Buffer.concat([header, body]);
}

export class LeanSocket {
  /**
   * @param {object} options
   * @param {string} options.host
   * @param {number} options.port
   * @param {string} options.path  request target, e.g. /ws/dashboard?token=…
   * @param {string} [options.localAddress]  source address (spread load over 127.0.0.x)
   * @param {(socket: LeanSocket) => void} [options.onOpen]
   * @param {(socket: LeanSocket, opcode: number, payload: Buffer) => void} [options.onFrame]
   * @param {(socket: LeanSocket, code: number, error?: Error) => void} [options.onClose]
   */
  constructor(options) {
    this.options = options;
    this.open = false;
    this.closed = false;
    this.closeCode = 0;
    this.pending = null;
    this.socket = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (error) => this.finish(1006, error));
    this.socket.on('close', () => this.finish(this.closeCode || 1006));
  }

  send(frame) {
    if (this.open) this.socket.write(frame);
  }

  sendText(text) {
    this.send(clientFrame(text));
  }

  close(code = 1000) {
    if (!this.open) return this.socket.destroy();
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.socket.write(clientFrame(body, OP_CLOSE));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  destroy() {
    this.socket.destroy();
  }

  finish(code, error) {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.closeCode = code;
    this.options.onClose?.(this, code, error);
  }

  onData(chunk) {
    let data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    if (!this.open) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        this.pending = data;
        return;
      }
      const status = data.toString('latin1', 0, Math.min(end, 16));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.socket.destroy();
        const head = data.toString('latin1', 0, end);
        const refusal = new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
        // Retry-After (seconds) of a refusal such as a full instance's 503, for the caller's backoff.
        const retryAfter = /\r\nretry-after:\s*(\d+)/i.exec(head)?.[1];
        if (retryAfter !== undefined) refusal.retryAfterMs = Number(retryAfter) * 1000;
        this.finish(0, refusal);
        return;
      }
      this.open = true;
      data = data.subarray(end + 4);
      this.options.onOpen?.(this);
    }
    let offset = 0;
    while (data.length - offset >= 2) {
      const opcode = data[offset] & 0x0f;
      let length = data[offset + 1] & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        start = offset + 4;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        length = Number(data.readBigUInt64BE(offset + 2));
        start = offset + 10;
      }
      if (data.length < start + length) break;
      const payload = data.subarray(start, start + length);
      offset = start + length;
      if (opcode === OP_PING) {
        this.socket.write(clientFrame(Buffer.from(payload), OP_PONG));
      } else if (opcode === OP_CLOSE) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.close(this.closeCode);
      } else if (opcode !== OP_PONG) {
        this.options.onFrame?.(this, opcode, payload);
      }
    }
    if (offset < data.length) this.pending = Buffer.from(data.subarray(offset));
  }
}

/** The `type` of a JSON envelope frame without parsing it (`{"type":"X",…`). */
export function frameType(payload) {
  // JSON.stringify puts `type` first in every envelope the service and the baseline build.
  const end = payload.indexOf(34, 9); // closing quote of the type value
  return end > 9 ? payload.toString('latin1', 9, end) : '';
}
