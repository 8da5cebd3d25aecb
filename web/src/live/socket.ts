import { accessToken, refreshSession } from '../auth/session';
import type { ClientFrame, ServerFrame } from '../api/types';

/**
 * The dashboard's one WebSocket (`/ws/dashboard`, role viewer) and its reconnect policy, by close code:
 *   4001 replaced / node deleted   → stay closed, the user decides ("opened elsewhere");
 *   4401 unauthorized / expired    → refresh the tokens, then reconnect at once;
 *   anything else (1001, 1006, 1013, 4000, 4408…) → reconnect with exponential backoff and jitter.
 * The snapshot that follows every `Connected` repaints the page, so nothing is replayed.
 */

/** First reconnect delay (ms), doubled per failed attempt up to BACKOFF_CAP_MS. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;
/** Heartbeat period used until the server's `Connected` says otherwise (ms). */
const DEFAULT_HEARTBEAT_MS = 30_000;
/** Silence, in heartbeat periods, after which the socket is presumed dead and replaced. */
const WATCHDOG_PERIODS = 3;
/** Consecutive 4401 closes tolerated before falling back to backoff (guards against loops). */
const MAX_IMMEDIATE_AUTH_RETRIES = 2;

export type LiveState =
  | { status: 'idle' }
  | { status: 'connecting' }
  | { status: 'live'; sessionId: string }
  | { status: 'reconnecting'; retryAt: number; code: number }
  | { status: 'replaced' }
  | { status: 'stopped' };

export interface LiveHandlers {
  frame(frame: ServerFrame): void;
  state(state: LiveState): void;
  /** An `Error` frame or a `Disconnect` reason worth showing. */
  notice(message: string): void;
}

function randomId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class LiveSocket {
  private ws: WebSocket | undefined;
  private tokenUsed: string | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private watchdogTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private authRetries = 0;
  private running = false;
  private lastMessageAt = 0;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private readonly deviceId = `web-${randomId()}`;
  private readonly onOnline = () => {
    if (this.running && !this.ws && this.state.status === 'reconnecting') this.reconnectNow();
  };
  state: LiveState = { status: 'idle' };

  constructor(private readonly handlers: LiveHandlers) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    window.addEventListener('online', this.onOnline);
    this.open();
  }

  stop(): void {
    this.running = false;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      if (ws.readyState === WebSocket.OPEN) this.send(ws, { type: 'Disconnect' });
      ws.close(1000, 'client stopped');
    }
    this.setState({ status: 'stopped' });
  }

  /** Reconnect now, e.g. after "opened elsewhere" or from a "retry now" button. */
  reconnectNow(): void {
    if (!this.running) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    if (this.ws) return;
    this.open();
  }

  private setState(state: LiveState): void {
    this.state = state;
    this.handlers.state(state);
  }

  private send(ws: WebSocket, frame: ClientFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  private open(): void {
    const token = accessToken();
    if (!token) {
      this.running = false;
      this.setState({ status: 'stopped' });
      return;
    }
    this.tokenUsed = token;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws/dashboard?token=${encodeURIComponent(token)}`);
    this.ws = ws;
    this.setState({ status: 'connecting' });

    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.lastMessageAt = Date.now();
      this.send(ws, { type: 'Connect', payload: { device_id: this.deviceId, role: 'viewer' } });
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws || typeof ev.data !== 'string') return;
      this.lastMessageAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return;
      }
      this.onFrame(ws, frame);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (ws !== this.ws) return;
      this.ws = undefined;
      this.clearTimers();
      if (this.running) this.afterClose(ev.code);
    };
  }

  private onFrame(ws: WebSocket, frame: ServerFrame): void {
    switch (frame.type) {
      case 'Connected': {
        this.attempt = 0;
        this.authRetries = 0;
        const interval = Number(frame.payload.heartbeat_interval_ms);
        this.heartbeatMs = interval > 0 ? interval : DEFAULT_HEARTBEAT_MS;
        this.startTimers(ws);
        this.setState({ status: 'live', sessionId: frame.payload.session_id });
        break;
      }
      case 'Error':
        this.handlers.notice(frame.payload.message || frame.payload.error);
        break;
      case 'Disconnect':
        if (frame.payload?.reason) this.handlers.notice(`Disconnected: ${frame.payload.reason}`);
        break;
      default:
        break;
    }
    this.handlers.frame(frame);
  }

  private startTimers(ws: WebSocket): void {
    this.clearTimers();
    this.heartbeatTimer = setInterval(() => this.send(ws, { type: 'Heartbeat' }), this.heartbeatMs);
    this.watchdogTimer = setInterval(() => {
      if (ws !== this.ws || Date.now() - this.lastMessageAt < this.heartbeatMs * WATCHDOG_PERIODS) return;
      // The network vanished without a close frame; do not wait for the close handshake.
      this.ws = undefined;
      this.clearTimers();
      ws.close(4000, 'no traffic');
      this.afterClose(1006);
    }, this.heartbeatMs);
  }

  private clearTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.watchdogTimer);
    this.heartbeatTimer = this.watchdogTimer = undefined;
  }

  private afterClose(code: number): void {
    if (code === 4001) {
      this.setState({ status: 'replaced' });
      return;
    }
    if (code === 4401) {
      this.authRetries += 1;
      const immediate = this.authRetries <= MAX_IMMEDIATE_AUTH_RETRIES;
      this.setState({ status: 'connecting' });
      refreshSession(this.tokenUsed).then(
        () => {
          if (!this.running) return;
          if (immediate) this.open();
          else this.scheduleRetry(code);
        },
        () => {
          // A definitive failure ends the session (the app returns to login); otherwise keep trying.
          if (this.running && accessToken()) this.scheduleRetry(code);
        },
      );
      return;
    }
    this.scheduleRetry(code);
  }

  private scheduleRetry(code: number): void {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.running && !this.ws) this.open();
    }, delay);
    this.setState({ status: 'reconnecting', retryAt: Date.now() + delay, code });
  }
}
