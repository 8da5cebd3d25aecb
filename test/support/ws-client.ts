import { pack, unpack } from 'msgpackr';
import WebSocket from 'ws';
import { frameValidator, reportViolation } from './asyncapi-frames';

export interface Frame {
  type: string;
  payload?: any;
}

export interface OpenOptions {
  token?: string;
  /** Send the token as `?token=` instead of the Authorization header. */
  tokenInQuery?: boolean;
  format?: 'json' | 'msgpack';
  headers?: Record<string, string>;
  /** Source address of the connection (e.g. 127.0.0.7), to look like another client to nginx. */
  localAddress?: string;
}

/**
 * A real `ws` client with helpers to await frames and the close. Every frame received is kept in
 * order; `next` consumes them one by one, so a test reads the conversation as it happened.
 *
 * Every frame received, and every message sent with `send`, is held against the AsyncAPI document
 * (docs/asyncapi.json): a frame the document does not describe for this endpoint fails the
 * running test (the next `next`, and the suite's afterEach/afterAll hooks). Deliberately invalid
 * messages go through `sendInvalid` (or `sendRaw` for bytes).
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The close, once it happened (for error messages). */
  private closedWith: { code: number; reason: string } | undefined;
  /** Received frames that break the AsyncAPI document. */
  readonly violations: string[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly format: 'json' | 'msgpack',
    /** The endpoint (AsyncAPI channel address), e.g. `/ws/dashboard`. */
    readonly path: string,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let frame: Frame;
      try {
        frame = isBinary ? (unpack(data) as Frame) : (JSON.parse(data.toString('utf8')) as Frame);
      } catch (error) {
        this.violate(`an undecodable ${isBinary ? 'binary' : 'text'} frame (${String(error)})`);
        return;
      }
      if (isBinary !== (format === 'msgpack')) this.violate(`a ${isBinary ? 'binary' : 'text'} frame on a ${format} connection`);
      for (const problem of frameValidator().problems(path, 'server', frame)) this.violate(problem);
      this.frames.push(frame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString('utf8') };
        resolve(this.closedWith);
        this.wake();
      });
    });
    ws.on('error', () => undefined);
  }

  static open(baseUrl: string, path: string, options: OpenOptions = {}): Promise<TestSocket> {
    const url = new URL(path, baseUrl);
    if (options.format === 'msgpack') url.searchParams.set('format', 'msgpack');
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
      if (options.tokenInQuery) url.searchParams.set('token', options.token);
      else headers.authorization = `Bearer ${options.token}`;
    }
    // Built before the upgrade: its one-time schema compilation must not eat into CONNECT_TIMEOUT_MS.
    frameValidator();
    const ws = new WebSocket(url, { headers, localAddress: options.localAddress });
    const socket = new TestSocket(ws, options.format ?? 'json', url.pathname);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Sends a message the AsyncAPI document describes; anything else throws (use `sendInvalid`). */
  send(message: unknown): void {
    const problems = frameValidator().problems(this.path, 'client', message);
    if (problems.length > 0) {
      throw new Error(`TestSocket.send: not a valid client message on ${this.path}: ${problems.join('; ')} (deliberately? use sendInvalid)`);
    }
    this.encodeAndSend(message);
  }

  /** Sends a message the document does NOT allow (a test of the server's answer to bad input). */
  sendInvalid(message: unknown): void {
    if (frameValidator().problems(this.path, 'client', message).length === 0) {
      throw new Error(`TestSocket.sendInvalid: ${JSON.stringify(message)} is a valid client message; use send`);
    }
    this.encodeAndSend(message);
  }

  private encodeAndSend(message: unknown): void {
    this.ws.send(this.format === 'msgpack' ? pack(message) : JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.ws.send(data, { binary });
  }

  /** The next unread frame (of `type`, skipping others when given). */
  async next(type?: string, timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.violations.length > 0) throw new Error(`${this.path} broke the AsyncAPI document: ${this.violations.join('; ')}`);
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++]!;
        if (type === undefined || frame.type === type) return frame;
      }
      if (this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`socket closed (${JSON.stringify(this.closedWith)}) while waiting for ${type ?? 'a frame'}; got ${JSON.stringify(this.frames.slice(-5))}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`timed out waiting for ${type ?? 'a frame'}; got ${JSON.stringify(this.frames.slice(-5))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends Connect and returns Connected (after which the snapshot follows). */
  async connect(payload: Record<string, unknown>): Promise<Frame> {
    this.send({ type: 'Connect', payload });
    return this.next('Connected');
  }

  close(code = 1000): void {
    this.ws.close(code);
  }

  private violate(problem: string): void {
    const description = `${this.path}: ${problem}`;
    this.violations.push(description);
    reportViolation(description);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The unread count of the latest NotificationUpdate a socket received (undefined before any). */
export function unreadShown(socket: TestSocket): number | undefined {
  const updates = socket.frames.filter((frame) => frame.type === 'NotificationUpdate');
  return updates[updates.length - 1]?.payload.unread;
}
