import { pack, unpack } from 'msgpackr';
import WebSocket from 'ws';
import { Random } from '../test/support/random';

/**
 * The soak's client side: a pool of socket "slots", each a client that connects, sends Connect,
 * heartbeats for a random lifetime, leaves in one of several ways (Disconnect, close, TCP reset,
 * going silent, dropping before Connect) and comes back after a short delay — for as long as the
 * pool runs. Storms cut a share of the open sockets at once and bring them back together.
 * Runs in the test process (the CI soak) or in forked worker processes (`npm run soak`).
 */

export type Endpoint = '/ws/dashboard' | '/ws/earnings' | '/ws/referrals';

export interface SoakUser {
  readonly id: number;
  readonly accessToken: string;
}

export interface PoolOptions {
  readonly wsUrl: string;
  readonly users: readonly SoakUser[];
  /** Slots (sockets open at once, at most). */
  readonly sockets: number;
  /** Heartbeat period of the clients (ms); the server's HEARTBEAT_INTERVAL_MS. */
  readonly heartbeatMs: number;
  /** How long a session lasts before its client leaves (ms, uniform). */
  readonly lifetimeMs: readonly [number, number];
  /** Pause between a close and the next connect (ms, uniform). */
  readonly reconnectDelayMs: readonly [number, number];
  /** Device id prefix, unique per pool (per worker). */
  readonly label: string;
  /** Source address of the client sockets (127.0.0.x spreads ephemeral ports). */
  readonly localAddress?: string;
  readonly seed: number;
}

/** How a session ends from the client's side. */
export type Departure = 'disconnect' | 'close' | 'terminate' | 'silent' | 'early';

export interface PoolStats {
  /** Sockets open now. */
  open: number;
  /** Of those, sessions past Connected. */
  connected: number;
  /** Sockets opened since the start. */
  sessions: number;
  /** Connected frames received. */
  connects: number;
  /** Heartbeat replies received. */
  heartbeats: number;
  /** Frames received in all. */
  frames: number;
  /** Closes seen by the clients, by code. */
  closes: Record<string, number>;
  /** Error frames received, by error type. */
  errors: Record<string, number>;
  /** How sessions were ended by their clients. */
  departures: Record<string, number>;
  /** Upgrades refused or failed (never expected). */
  upgradeFailures: number;
  /** Sockets cut by storms. */
  stormed: number;
}

export function emptyStats(): PoolStats {
  return { open: 0, connected: 0, sessions: 0, connects: 0, heartbeats: 0, frames: 0, closes: {}, errors: {}, departures: {}, upgradeFailures: 0, stormed: 0 };
}

/** Adds `more` into `into` (counts and per-key maps). */
export function mergeStats(into: PoolStats, more: PoolStats): PoolStats {
  for (const key of ['open', 'connected', 'sessions', 'connects', 'heartbeats', 'frames', 'upgradeFailures', 'stormed'] as const) {
    into[key] += more[key];
  }
  for (const key of ['closes', 'errors', 'departures'] as const) {
    for (const [name, count] of Object.entries(more[key])) into[key][name] = (into[key][name] ?? 0) + count;
  }
  return into;
}

const DEPARTURES: ReadonlyArray<readonly [number, Departure]> = [
  [35, 'disconnect'],
  [30, 'close'],
  [25, 'terminate'],
  [5, 'silent'],
  [5, 'early'],
];

/** One client: connects, heartbeats, leaves, comes back. */
class Slot {
  private ws: WebSocket | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private departure: NodeJS.Timeout | null = null;
  private reopen: NodeJS.Timeout | null = null;
  private connected = false;
  private nextDelayMs: number | null = null;
  private readonly endpoint: Endpoint;
  private readonly role: 'node' | 'viewer';
  private readonly format: 'json' | 'msgpack';
  private readonly user: SoakUser;

  constructor(
    private readonly pool: ClientPool,
    private readonly index: number,
  ) {
    // 70% nodes, 20% dashboard viewers, 10% single-purpose viewers; a fifth speak MessagePack.
    const kind = index % 10;
    this.endpoint = kind < 9 ? '/ws/dashboard' : index % 20 === 9 ? '/ws/earnings' : '/ws/referrals';
    this.role = kind < 7 ? 'node' : 'viewer';
    this.format = index % 5 === 4 ? 'msgpack' : 'json';
    this.user = pool.options.users[index % pool.options.users.length]!;
  }

  get isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get hasSocket(): boolean {
    return this.ws !== null;
  }

  open(): void {
    this.reopen = null;
    if (!this.pool.running) return;
    const url = new URL(this.endpoint, this.pool.options.wsUrl);
    if (this.format === 'msgpack') url.searchParams.set('format', 'msgpack');
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.user.accessToken}` },
      perMessageDeflate: false,
      localAddress: this.pool.options.localAddress,
    });
    this.ws = ws;
    this.connected = false;
    this.pool.stats.sessions += 1;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', (code: number) => this.onClose(ws, code));
    ws.on('unexpected-response', () => {
      this.pool.stats.upgradeFailures += 1;
      ws.terminate();
    });
    ws.on('error', () => undefined);
  }

  /** Cut by a storm: the TCP connection drops, and the client comes straight back. */
  storm(): void {
    if (this.ws === null) return;
    this.pool.stats.stormed += 1;
    this.nextDelayMs = 0;
    this.ws.terminate();
  }

  /** Leaves for good (the pool stops): a graceful close half the time, Disconnect otherwise. */
  leave(): void {
    this.clearTimers();
    if (this.reopen !== null) clearTimeout(this.reopen);
    this.reopen = null;
    const ws = this.ws;
    if (ws === null) return;
    if (ws.readyState === WebSocket.OPEN) {
      if (this.connected && this.index % 2 === 0) this.send({ type: 'Disconnect' });
      else ws.close(1000);
    } else {
      ws.terminate();
    }
  }

  private onOpen(ws: WebSocket): void {
    if (this.ws !== ws) return;
    const departure = this.pool.pick(DEPARTURES);
    if (departure === 'early') {
      // Gone before Connect: right away, or while the server still checks the token.
      this.count('early');
      if (this.pool.random() < 0.5) ws.terminate();
      else ws.close(1000);
      return;
    }
    this.send({ type: 'Connect', payload: { device_id: `${this.pool.options.label}-${this.index}`, role: this.role } });
    const [min, max] = this.pool.options.lifetimeMs;
    this.departure = setTimeout(() => this.depart(departure), min + this.pool.random() * (max - min));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.pool.stats.frames += 1;
    let frame: { type?: string; payload?: { error?: string } };
    try {
      frame = (isBinary ? unpack(data) : JSON.parse(data.toString('utf8'))) as typeof frame;
    } catch {
      this.pool.stats.errors.undecodable = (this.pool.stats.errors.undecodable ?? 0) + 1;
      return;
    }
    switch (String(frame.type)) {
      case 'Connected':
        this.pool.stats.connects += 1;
        this.connected = true;
        this.startHeartbeats();
        return;
      case 'Heartbeat':
        this.pool.stats.heartbeats += 1;
        return;
      case 'Error': {
        const type = frame.payload?.error ?? 'unknown';
        this.pool.stats.errors[type] = (this.pool.stats.errors[type] ?? 0) + 1;
        return;
      }
      default:
        return;
    }
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    this.pool.stats.closes[code] = (this.pool.stats.closes[code] ?? 0) + 1;
    this.clearTimers();
    this.ws = null;
    this.connected = false;
    this.pool.onSlotClosed();
    if (!this.pool.running) return;
    const [min, max] = this.pool.options.reconnectDelayMs;
    const delay = this.nextDelayMs ?? min + this.pool.random() * (max - min);
    this.nextDelayMs = null;
    this.reopen = setTimeout(() => this.open(), delay);
  }

  private startHeartbeats(): void {
    const period = this.pool.options.heartbeatMs;
    // A random phase, so that the pool's heartbeats spread over the period.
    this.heartbeat = setTimeout(() => {
      this.send({ type: 'Heartbeat' });
      this.heartbeat = setInterval(() => this.send({ type: 'Heartbeat' }), period);
    }, this.pool.random() * period);
  }

  private depart(kind: Departure): void {
    this.departure = null;
    const ws = this.ws;
    if (ws === null) return;
    this.count(kind);
    switch (kind) {
      case 'disconnect':
        this.send({ type: 'Disconnect' });
        return;
      case 'close':
        ws.close(1000);
        return;
      case 'terminate':
        ws.terminate();
        return;
      case 'silent':
        // Stops talking: the server's sweep closes it with 4000 after CLIENT_TIMEOUT_MS.
        this.clearTimers();
        return;
      case 'early':
        return;
    }
  }

  private send(message: unknown): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    ws.send(this.format === 'msgpack' ? pack(message) : JSON.stringify(message), { binary: this.format === 'msgpack' });
  }

  private count(kind: Departure): void {
    this.pool.stats.departures[kind] = (this.pool.stats.departures[kind] ?? 0) + 1;
  }

  private clearTimers(): void {
    if (this.heartbeat !== null) {
      clearTimeout(this.heartbeat);
      clearInterval(this.heartbeat);
    }
    if (this.departure !== null) clearTimeout(this.departure);
    this.heartbeat = null;
    this.departure = null;
  }
}

export class ClientPool {
  readonly stats: PoolStats = emptyStats();
  running = false;
  readonly random: () => number;
  private readonly generator: Random;
  private readonly slots: Slot[];
  private drained: (() => void) | null = null;

  constructor(readonly options: PoolOptions) {
    this.generator = new Random(options.seed);
    this.random = () => this.generator.next();
    this.slots = Array.from({ length: options.sockets }, (_, index) => new Slot(this, index));
  }

  pick<T>(entries: ReadonlyArray<readonly [number, T]>): T {
    return this.generator.weighted(entries);
  }

  /** Opens the slots spread evenly over `rampMs`. */
  start(rampMs: number): void {
    this.running = true;
    this.slots.forEach((slot, index) => {
      setTimeout(() => slot.open(), (rampMs * index) / Math.max(1, this.slots.length));
    });
  }

  /** Cuts `fraction` of the open sockets at once; they reconnect immediately. Returns how many. */
  storm(fraction: number): number {
    let cut = 0;
    for (const slot of this.slots) {
      if (slot.isOpen && this.random() < fraction) {
        slot.storm();
        cut += 1;
      }
    }
    return cut;
  }

  snapshot(): PoolStats {
    let open = 0;
    let connected = 0;
    for (const slot of this.slots) {
      if (slot.isOpen) open += 1;
      if (slot.isConnected) connected += 1;
    }
    return { ...this.stats, closes: { ...this.stats.closes }, errors: { ...this.stats.errors }, departures: { ...this.stats.departures }, open, connected };
  }

  /** Stops reconnecting, lets every client leave, and resolves once all sockets are closed. */
  async stop(timeoutMs = 20_000): Promise<PoolStats> {
    this.running = false;
    const remaining = () => this.slots.filter((slot) => slot.hasSocket).length;
    const allClosed = new Promise<void>((resolve) => {
      this.drained = () => {
        if (remaining() === 0) resolve();
      };
    });
    for (const slot of this.slots) slot.leave();
    this.onSlotClosed();
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([allClosed, timer]);
    this.drained = null;
    return this.snapshot();
  }

  onSlotClosed(): void {
    this.drained?.();
  }
}

/** Something that runs client pools: the test process itself, or worker processes. */
export interface ClientFleet {
  start(rampMs: number): Promise<void>;
  storm(fraction: number): Promise<number>;
  stats(): Promise<PoolStats>;
  stop(): Promise<PoolStats>;
}

/** Clients in this process (the short CI soak). */
export class LocalFleet implements ClientFleet {
  private readonly pool: ClientPool;

  constructor(options: PoolOptions) {
    this.pool = new ClientPool(options);
  }

  start(rampMs: number): Promise<void> {
    this.pool.start(rampMs);
    return Promise.resolve();
  }

  storm(fraction: number): Promise<number> {
    return Promise.resolve(this.pool.storm(fraction));
  }

  stats(): Promise<PoolStats> {
    return Promise.resolve(this.pool.snapshot());
  }

  stop(): Promise<PoolStats> {
    return this.pool.stop();
  }
}
