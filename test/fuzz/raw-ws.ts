import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { payloadBytes, RawExpectation, RawFrameCase, RawFrameSpec } from './corpus';
import { checkServerFrame, describeBytes, DIRECT_REPLY_TYPES } from './contract';
import { Random } from '../support/random';
import { bump, ENDPOINTS, WsFuzzContext } from './ws-fuzz';
import { mutateBytes } from './values';

/**
 * Frame-level WebSocket fuzzing over a raw TCP socket: a real upgrade, then hand-built frames the
 * `ws` library would never send (bad opcodes, RSV bits, unmasked or fragmented control frames,
 * lying lengths, invalid UTF-8, close frames with forbidden codes). The server must answer with a
 * protocol close (1002/1007/1009) or a normal reply — never 1011, never a crash.
 */

/** Encodes one client frame. */
export function buildFrame(spec: RawFrameSpec): Buffer {
  const payload = payloadBytes(spec.payload);
  const mask = spec.mask ?? true;
  const first = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0x0f);
  const declared = spec.length === undefined ? BigInt(payload.length) : BigInt(spec.length);
  let header: Buffer;
  if (spec.encoding === 64 || declared > 0xffffn) {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(declared, 2);
  } else if (spec.encoding === 16 || declared > 125n) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(Number(declared), 2);
  } else {
    header = Buffer.alloc(2);
    header[1] = Number(declared);
  }
  header[0] = first;
  if (!mask) return Buffer.concat([header, payload]);
  header[1] = header[1]! | 0x80;
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = masked[i]! ^ key[i % 4]!;
  return Buffer.concat([header, key, masked]);
}

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** A WebSocket over a bare TCP socket: the upgrade, then raw bytes out and parsed frames in. */
export class RawWsConnection {
  readonly frames: ServerFrame[] = [];
  closeCode: number | null = null;
  readonly ended: Promise<void>;
  private pending = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    leftover: Buffer,
  ) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.notify());
    if (leftover.length > 0) this.onData(leftover);
  }

  /** Upgrades; resolves with the connection, or with the HTTP status of a refused upgrade. */
  static open(
    host: string,
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ connection: RawWsConnection } | { status: number; head: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('upgrade timed out'));
      }, 5_000);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        clearTimeout(timer);
        socket.off('data', onData);
        const text = head.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
        if (status === 101) resolve({ connection: new RawWsConnection(socket, head.subarray(end + 4)) });
        else {
          socket.destroy();
          resolve({ status, head: text });
        }
      };
      socket.on('data', onData);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        resolve({ status: 0, head: head.toString('latin1') });
      });
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: ${host}:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    });
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  get isEnded(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits until `condition` holds or the socket ends; false on timeout. */
  async waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (condition()) return true;
      if (this.isEnded) return condition();
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length < 2) break;
      let length = this.pending[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.pending.length < 4) break;
        length = this.pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.pending.length < 10) break;
        length = Number(this.pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.pending.length < offset + length) break;
      const opcode = this.pending[0]! & 0x0f;
      const payload = this.pending.subarray(offset, offset + length);
      this.pending = this.pending.subarray(offset + length);
      this.frames.push({ opcode, payload: Buffer.from(payload) });
      if (opcode === 8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** A corpus case, possibly mutated (then only "never an internal error" is expected of it). */
function pickRawCase(random: Random, cases: readonly RawFrameCase[]): { spec: RawFrameCase; mutated: boolean } {
  const seed = random.pick(cases);
  if (random.bool(0.5)) return { spec: seed, mutated: false };
  const frames = seed.frames.map((frame) => {
    const copy: RawFrameSpec = { ...frame };
    switch (random.int(0, 5)) {
      case 0:
        copy.fin = !(frame.fin ?? true);
        break;
      case 1:
        copy.opcode = random.int(0, 15);
        break;
      case 2:
        copy.rsv = random.int(0, 7);
        break;
      case 3:
        copy.mask = random.bool(0.7);
        break;
      case 4:
        copy.payload = `hex:${mutateBytes(random, payloadBytes(frame.payload)).toString('hex')}`;
        break;
      default:
        copy.length = random.pick([0, 1, 125, 126, 127, 65535, 65536, 16383, 16384, 16385]);
    }
    return copy;
  });
  if (random.bool(0.3)) frames.push({ opcode: random.int(0, 10), fin: random.bool(), payload: `hex:${random.bytes(random.int(0, 20)).toString('hex')}` });
  return { spec: { name: `${seed.name} (mutated)`, expect: 'any', frames }, mutated: true };
}

const GENERIC_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1002, 1005, 1007, 1009]);

/** The code of the first well-formed close frame the client sends, if any. */
function clientCloseCode(frames: readonly RawFrameSpec[]): number | null {
  for (const frame of frames) {
    if (frame.opcode === 8 && (frame.fin ?? true) && (frame.rsv ?? 0) === 0 && (frame.mask ?? true) && frame.length === undefined) {
      const payload = payloadBytes(frame.payload);
      if (payload.length >= 2) return payload.readUInt16BE(0);
    }
    if (frame.opcode === 8) return null;
  }
  return null;
}

/** Hostile upgrade requests: odd queries and headers, which must still end in 101 or a 4xx. */
function hostileUpgrade(random: Random, token: string, strings: readonly string[]): { path: string; headers: Record<string, string> } {
  const path = random.pick(ENDPOINTS);
  const query = new URLSearchParams();
  query.set('token', token);
  const headers: Record<string, string> = {};
  if (random.bool(0.3)) query.set('format', random.pick(['msgpack', 'MSGPACK', 'json', 'cbor', '', 'msgpack\u0000']));
  if (random.bool(0.15)) query.append('token', random.pick(['', 'x', token]));
  if (random.bool(0.15)) headers['X-Forwarded-For'] = random.pick(['not-an-ip', '999.1.1.1', '::ffff:1.2.3.4', '1.2.3.4, 5.6.7.8', 'a'.repeat(200), '203.0.113.9']);
  if (random.bool(0.1)) headers.Origin = random.pick(['null', 'https://evil.example', 'file://']);
  if (random.bool(0.1)) headers['Sec-WebSocket-Protocol'] = random.pick(['chat', '', 'a,,b', 'x'.repeat(300)]);
  if (random.bool(0.1)) headers['User-Agent'] = random.pick(strings).replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '?');
  return { path: `${path}?${query.toString()}`, headers };
}

export interface RawWsTarget {
  readonly host: string;
  readonly port: number;
  readonly token: string;
}

/** Runs `count` raw cases one after another. */
export async function runRawWsLane(context: WsFuzzContext, target: RawWsTarget, random: Random, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { spec, mutated } = pickRawCase(random, context.corpus.rawFrames);
    const upgrade = hostileUpgrade(random, target.token, context.corpus.strings);
    const input = `${spec.name} via ${upgrade.path.replace(target.token, '<token>')} ${JSON.stringify(upgrade.headers).slice(0, 200)}`;
    context.stats.cases += 1;
    bump(context.stats.kinds, mutated ? 'raw-mutated' : 'raw-seed');
    let opened: Awaited<ReturnType<typeof RawWsConnection.open>>;
    try {
      opened = await RawWsConnection.open(target.host, target.port, upgrade.path, upgrade.headers);
    } catch (error) {
      context.findings.push({ area: 'ws-raw', problem: `upgrade failed: ${(error as Error).message}`, input });
      continue;
    }
    if (!('connection' in opened)) {
      if (opened.status >= 500 || opened.status === 0) {
        context.findings.push({ area: 'ws-raw', problem: `upgrade answered ${opened.status}: ${opened.head.slice(0, 200)}`, input });
      }
      continue;
    }
    const connection = opened.connection;
    try {
      await runRawCase(context, connection, random, spec, mutated, input);
    } finally {
      connection.destroy();
    }
  }
}

async function runRawCase(
  context: WsFuzzContext,
  connection: RawWsConnection,
  random: Random,
  spec: RawFrameCase,
  mutated: boolean,
  input: string,
): Promise<void> {
  let expectedReplies = 0;
  if (random.bool(0.3)) {
    connection.write(buildFrame({ opcode: 1, payload: `text:${JSON.stringify({ type: 'Connect', payload: { device_id: 'raw', role: 'viewer' } })}` }));
    expectedReplies += 1;
  }
  for (const frame of spec.frames) connection.write(buildFrame(frame));
  if (spec.tail !== undefined) connection.write(payloadBytes(spec.tail));

  const replies = () =>
    connection.frames.filter((frame) => {
      if (frame.opcode !== 1 && frame.opcode !== 2) return false;
      const checked = checkServerFrame(frame.payload, frame.opcode === 2, frame.opcode === 2 ? 'msgpack' : 'json');
      return 'frame' in checked && DIRECT_REPLY_TYPES.has(checked.frame.type);
    }).length;
  const expect: RawExpectation = spec.expect;
  if (expect === 'reply') {
    if (!(await connection.waitFor(() => replies() >= expectedReplies + 1, 5_000))) {
      context.findings.push({ area: 'ws-raw', problem: `no reply (close ${connection.closeCode})`, input });
    }
  } else if (typeof expect === 'object') {
    await connection.waitFor(() => connection.closeCode !== null && connection.isEnded, 5_000);
    if (connection.closeCode === null || !expect.close.includes(connection.closeCode)) {
      context.findings.push({ area: 'ws-raw', problem: `expected close ${expect.close.join('/')}, got ${connection.closeCode}`, input });
    }
  } else {
    await connection.waitFor(() => connection.closeCode !== null, expect === 'none' ? 150 : 300);
  }

  // Whatever happened, every frame the server sent must be in the contract.
  for (const frame of connection.frames) {
    if (frame.opcode === 1 || frame.opcode === 2) {
      const checked = checkServerFrame(frame.payload, frame.opcode === 2, frame.opcode === 2 ? 'msgpack' : 'json');
      if ('problem' in checked) context.findings.push({ area: 'ws-raw', problem: checked.problem, input });
      else if (checked.frame.type === 'Error') bump(context.stats.errorTypes, String(checked.frame.payload?.error));
    } else if (![8, 9, 10].includes(frame.opcode)) {
      context.findings.push({ area: 'ws-raw', problem: `server sent opcode ${frame.opcode}`, input });
    }
  }
  if (connection.closeCode !== null) {
    bump(context.stats.closeCodes, connection.closeCode);
    const allowed = typeof expect === 'object' ? new Set([...expect.close, ...(mutated ? GENERIC_CLOSE_CODES : [])]) : new Set(GENERIC_CLOSE_CODES);
    // A close frame of the client's own with a valid code is echoed (RFC 6455 §5.5.1).
    const echoed = clientCloseCode(spec.frames);
    if (echoed !== null) allowed.add(echoed);
    if (!allowed.has(connection.closeCode) && connection.closeCode !== 4401) {
      context.findings.push({ area: 'ws-raw', problem: `closed with ${connection.closeCode}`, input: `${input} ${describeBytes(Buffer.concat(spec.frames.map(buildFrame)))}` });
    }
  }
}
