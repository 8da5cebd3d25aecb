import WebSocket from 'ws';
import { Corpus } from './corpus';
import { checkServerFrame, describeBytes, DIRECT_REPLY_TYPES, Finding } from './contract';
import { Random } from '../support/random';
import {
  deepJson,
  deepMsgpack,
  hostileString,
  invalidUtf8,
  mutateBytes,
  mutateValue,
  RawNumber,
  toJsonText,
  toMsgpack,
} from './values';

/**
 * Message-level WebSocket fuzzing over real `ws` clients. Each lane opens sockets (any endpoint,
 * JSON or MessagePack, before or after a valid Connect) and sends batches of hostile frames, each
 * batch followed by a Heartbeat probe. Every client frame is answered by exactly one direct reply
 * (Connected, Heartbeat or Error) unless the socket closes, so a lane knows when the server has
 * dealt with a batch — and notices a server that stops answering.
 */

export type WireFormat = 'json' | 'msgpack';

export interface WsFuzzUser {
  readonly id: number;
  readonly accessToken: string;
}

export interface WsFuzzStats {
  cases: number;
  sockets: number;
  readonly closeCodes: Map<number, number>;
  readonly errorTypes: Map<string, number>;
  readonly kinds: Map<string, number>;
}

export interface WsFuzzContext {
  readonly wsUrl: string;
  readonly users: readonly WsFuzzUser[];
  readonly corpus: Corpus;
  readonly maxMessageBytes: number;
  readonly findings: Finding[];
  readonly stats: WsFuzzStats;
}

export function newWsStats(): WsFuzzStats {
  return { cases: 0, sockets: 0, closeCodes: new Map(), errorTypes: new Map(), kinds: new Map() };
}

export function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Close codes hostile input may legitimately end a socket with (API.md close codes and RFC 6455). */
export const ALLOWED_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1002, 1005, 1007, 1009, 4001, 4401]);

export const ENDPOINTS = ['/ws/dashboard', '/ws/earnings', '/ws/referrals'] as const;

export interface WsCase {
  readonly kind: string;
  readonly data: Buffer;
  readonly binary: boolean;
}

/** One hostile client frame. */
export function generateWsCase(random: Random, corpus: Corpus, format: WireFormat, maxBytes: number): WsCase {
  const encode = (kind: string, value: unknown): WsCase => {
    // Clients may mix formats on one socket; mostly they use the socket's own.
    const asMsgpack = random.bool(0.85) ? format === 'msgpack' : format !== 'msgpack';
    return asMsgpack
      ? { kind, data: toMsgpack(value), binary: true }
      : { kind, data: Buffer.from(toJsonText(value), 'utf8'), binary: false };
  };
  const kind = random.weighted<string>([
    [30, 'value'],
    [12, 'text-seed'],
    [12, 'msgpack-seed'],
    [6, 'connect-fields'],
    [5, 'random-bytes'],
    [4, 'deep'],
    [4, 'huge-number'],
    [3, 'invalid-utf8'],
    [2, 'oversize'],
  ]);
  switch (kind) {
    case 'value': {
      let value = random.pick(corpus.wsValues);
      for (let i = random.int(0, 3); i > 0; i--) value = mutateValue(random, value, corpus.strings);
      return encode(kind, value);
    }
    case 'text-seed': {
      const seed = Buffer.from(random.pick(corpus.wsTexts), 'utf8');
      return { kind, data: random.bool() ? mutateBytes(random, seed) : seed, binary: false };
    }
    case 'msgpack-seed': {
      const seed = random.pick(corpus.msgpack).bytes;
      return { kind, data: random.bool() ? mutateBytes(random, seed) : seed, binary: true };
    }
    case 'connect-fields': {
      const field = (): unknown => (random.bool(0.8) ? hostileString(random, corpus.strings) : random.pick([null, 1, [], {}]));
      const payload: Record<string, unknown> = { device_id: random.bool(0.3) ? `d-${random.int(0, 9)}` : field() };
      if (random.bool(0.6)) payload.network_name = field();
      if (random.bool(0.3)) payload.role = random.pick(['node', 'viewer', 'admin', 'NODE', '', null]);
      return encode(kind, { type: 'Connect', payload });
    }
    case 'random-bytes': {
      const binary = random.bool();
      return { kind, data: random.bytes(random.int(0, 64)), binary };
    }
    case 'deep': {
      const size = random.bool(0.8) ? random.int(100, maxBytes - 16) : random.int(maxBytes - 16, maxBytes);
      return random.bool()
        ? { kind, data: Buffer.from(deepJson(random, size), 'utf8'), binary: false }
        : { kind, data: deepMsgpack(random, size), binary: true };
    }
    case 'huge-number': {
      const number = random.pick(['1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '-0', '1e-400', '1'.repeat(400)]);
      const text = random.pick([
        `{"type":"Connect","payload":{"device_id":"big","user_id":${number}}}`,
        `{"type":${number}}`,
        `{"type":"Heartbeat","payload":${number}}`,
        number,
      ]);
      return random.bool(0.7)
        ? { kind, data: Buffer.from(text, 'utf8'), binary: false }
        : encode(kind, { type: 'Connect', payload: { device_id: 'big', user_id: new RawNumber(number) } });
    }
    case 'invalid-utf8':
      return { kind, data: invalidUtf8(random), binary: false };
    default: {
      const size = maxBytes + random.int(1, maxBytes);
      const padding = 'x'.repeat(size);
      return random.bool()
        ? { kind, data: Buffer.from(JSON.stringify({ type: 'Heartbeat', padding }), 'utf8'), binary: false }
        : { kind, data: toMsgpack({ type: 'Heartbeat', padding }), binary: true };
    }
  }
}

/** A `ws` client that checks every frame it receives and counts direct replies. */
export class FuzzSocket {
  replies = 0;
  closeCode: number | null = null;
  closedByClient = false;
  lastInput = '(upgrade)';
  upgradeHeaders = '';
  readonly closed: Promise<number>;
  private wake: (() => void) | null = null;

  private constructor(
    readonly ws: WebSocket,
    readonly format: WireFormat,
    context: WsFuzzContext,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const checked = checkServerFrame(data, isBinary, format);
      if ('problem' in checked) {
        context.findings.push({ area: 'ws', problem: checked.problem, input: this.lastInput });
      } else {
        if (DIRECT_REPLY_TYPES.has(checked.frame.type)) this.replies += 1;
        if (checked.frame.type === 'Error') bump(context.stats.errorTypes, String(checked.frame.payload?.error));
      }
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code;
        bump(context.stats.closeCodes, code);
        this.notify();
        resolve(code);
      });
    });
    ws.on('error', () => undefined);
  }

  static open(
    context: WsFuzzContext,
    path: string,
    options: { token?: string; format: WireFormat; tokenInQuery?: boolean; headers?: Record<string, string> },
  ): Promise<FuzzSocket> {
    const url = new URL(path, context.wsUrl);
    if (options.format === 'msgpack') url.searchParams.set('format', 'msgpack');
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
      if (options.tokenInQuery) url.searchParams.set('token', options.token);
      else headers.authorization = `Bearer ${options.token}`;
    }
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const socket = new FuzzSocket(ws, options.format, context);
    if (options.headers !== undefined && Object.keys(options.headers).length > 0) socket.upgradeHeaders = ` ${JSON.stringify(options.headers).slice(0, 120)}`;
    context.stats.sockets += 1;
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closeCode !== null;
  }

  send(data: Buffer, binary: boolean): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary });
  }

  sendMessage(message: unknown): void {
    this.send(this.format === 'msgpack' ? toMsgpack(message) : Buffer.from(JSON.stringify(message), 'utf8'), this.format === 'msgpack');
  }

  /** Resolves when `count` direct replies arrived ('replied'), the socket closed, or time ran out. */
  async waitForReplies(count: number, timeoutMs: number): Promise<'replied' | 'closed' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.replies >= count) return 'replied';
      if (this.isClosed) return 'closed';
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Closes from the client side and waits for the close (cut after a grace). */
  async close(): Promise<void> {
    if (!this.isClosed) {
      this.closedByClient = true;
      this.ws.close(1000);
      const timer = setTimeout(() => this.ws.terminate(), 3_000);
      await this.closed;
      clearTimeout(timer);
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** One lane: sockets one after another, `count` hostile frames in all. */
export async function runWsLane(context: WsFuzzContext, random: Random, lane: number, count: number): Promise<void> {
  let done = 0;
  while (done < count) {
    const path = random.pick([ENDPOINTS[0], ...ENDPOINTS]);
    const format: WireFormat = random.bool(0.4) ? 'msgpack' : 'json';
    const user = random.pick(context.users);
    let socket: FuzzSocket;
    try {
      // The test connects from loopback, a trusted proxy: its X-Forwarded-For is believed.
      const headers: Record<string, string> = random.bool(0.1)
        ? { 'x-forwarded-for': random.pick(['a'.repeat(200), 'not-an-ip', '1.2.3.4, garbage', '::1, ::ffff:999.0.0.1', '', ' , ', '203.0.113.50']) }
        : {};
      socket = await FuzzSocket.open(context, path, { token: user.accessToken, format, tokenInQuery: random.bool(0.3), headers });
    } catch (error) {
      context.findings.push({ area: 'ws', problem: `upgrade failed: ${(error as Error).message}`, input: path });
      return;
    }
    const via = `${path}?format=${format}${socket.upgradeHeaders}`;
    let expected = 0;
    if (random.bool(0.5)) {
      const role = path === '/ws/dashboard' && random.bool(0.6) ? 'node' : 'viewer';
      socket.lastInput = 'valid Connect';
      socket.sendMessage({ type: 'Connect', payload: { device_id: `lane-${lane}-${random.int(0, 2)}`, role } });
      expected += 1;
    }
    for (let onSocket = 0; !socket.isClosed && done < count && onSocket < 40; ) {
      const batch = random.int(1, 3);
      const inputs: string[] = [];
      for (let i = 0; i < batch && done < count; i++) {
        const fuzzCase = generateWsCase(random, context.corpus, format, context.maxMessageBytes);
        inputs.push(`${fuzzCase.kind} ${fuzzCase.binary ? 'binary' : 'text'} ${describeBytes(fuzzCase.data)}`);
        socket.lastInput = `${via}: ${inputs.join(' | ')}`;
        socket.send(fuzzCase.data, fuzzCase.binary);
        bump(context.stats.kinds, fuzzCase.kind);
        context.stats.cases += 1;
        expected += 1;
        done += 1;
        onSocket += 1;
      }
      socket.sendMessage({ type: 'Heartbeat' });
      expected += 1;
      const outcome = await socket.waitForReplies(expected, 10_000);
      if (outcome === 'timeout') {
        context.findings.push({
          area: 'ws',
          problem: `no answer within 10 s (${socket.replies}/${expected} replies)`,
          input: socket.lastInput,
        });
        socket.ws.terminate();
      }
    }
    await socket.close();
    const code = await socket.closed;
    if (!socket.closedByClient && !ALLOWED_CLOSE_CODES.has(code)) {
      context.findings.push({ area: 'ws', problem: `closed with ${code}`, input: socket.lastInput });
    }
  }
}

/** Upgrades with hostile credentials: each must end in Error Unauthorized/SessionExpired and 4401. */
export async function runHostileUpgrades(context: WsFuzzContext, random: Random, tokens: readonly string[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const token = random.pick(tokens);
    const format: WireFormat = random.bool() ? 'json' : 'msgpack';
    let socket: FuzzSocket;
    try {
      socket = await FuzzSocket.open(context, random.pick(ENDPOINTS), {
        token: token === '' ? undefined : token,
        format,
        tokenInQuery: random.bool(),
      });
    } catch (error) {
      context.findings.push({ area: 'ws', problem: `upgrade failed: ${(error as Error).message}`, input: describeBytes(token) });
      continue;
    }
    socket.lastInput = `hostile token ${describeBytes(token, 80)}`;
    context.stats.cases += 1;
    bump(context.stats.kinds, 'hostile-token');
    if (random.bool()) socket.sendMessage({ type: 'Connect', payload: { device_id: 'sneaky', role: 'viewer' } });
    const code = await Promise.race([socket.closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5_000))]);
    if (code !== 4401) {
      context.findings.push({ area: 'ws', problem: `hostile token not refused with 4401 (got ${code})`, input: socket.lastInput });
      socket.ws.terminate();
    }
    if (socket.replies !== 1) {
      context.findings.push({ area: 'ws', problem: `expected one Error frame, got ${socket.replies} replies`, input: socket.lastInput });
    }
  }
}
