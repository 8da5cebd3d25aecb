import { pack, unpack } from 'msgpackr';
import WebSocket from 'ws';

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
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly format: 'json' | 'msgpack',
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.frames.push(isBinary ? (unpack(data) as Frame) : (JSON.parse(data.toString('utf8')) as Frame));
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
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
    const ws = new WebSocket(url, { headers, localAddress: options.localAddress });
    const socket = new TestSocket(ws, options.format ?? 'json');
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(this.format === 'msgpack' ? pack(message) : JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.ws.send(data, { binary });
  }

  /** The next unread frame (of `type`, skipping others when given). */
  async next(type?: string, timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++]!;
        if (type === undefined || frame.type === type) return frame;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${type ?? 'a frame'}`);
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
