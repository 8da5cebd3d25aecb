import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';
import type { WebSocket, WebSocketServer } from 'ws';
import { INSTANCE_ID } from '../common/lifecycle/instance-id';
import { DashboardError, DashboardErrorType, errorFrameOf, toDashboardError } from '../common/errors';
import { normalizeIp } from '../common/http/client-ip';
import { newId } from '../common/ids';
import { LifecycleState } from '../common/lifecycle/lifecycle-state';
import { TimeSlicer } from '../common/time-slicer';
import { AppConfig } from '../config';
import { DomainEvent } from '../infra/bus/domain-event';
import { EventBus, Unsubscribe } from '../infra/bus/event-bus';
import { SessionValidator } from '../modules/auth/session-validator.service';
import { TokenService } from '../modules/auth/token.service';
import { decodeFrame, EncodedFrame, encodeFrame, SEND_OPTIONS, WireFormat } from './codec';
import { SharedUpdate, writeWireFrame } from './prepared-frame';
import { Connection, HeldUpdate } from './connection';
import { closeGradually } from './gradual-close';
import { EndpointSpec } from './endpoint';
import {
  ClientMessage,
  CloseCode,
  ConnectPayload,
  ProtocolError,
  ServerFrame,
  ServerMessages,
  ServerMessageType,
  UpdateMessageType,
} from './protocol';
import { RealtimeMetrics } from './realtime.metrics';
import { refuseUpgradesWhenFull } from './upgrade-admission';
import { ConnectionHandlers, CoreWebSocket } from './socket-connection';
import { PushPeriod, resolveSubscription, UPDATE_TYPE_RULES } from './update-types';

/**
 * Above this many bytes waiting in a socket's send buffer, state updates are held (latest per
 * type) instead of written, so a slow reader costs at most this plus one frame per type.
 */
const SEND_BUFFER_LOW_WATER = 64 * 1024;
/** A send buffer over this is closed with 1013 at once. */
const SEND_BUFFER_HARD_LIMIT = 4 * 1024 * 1024;
/** Messages kept while a socket authenticates or connects; more are dropped. */
const MAX_QUEUED_MESSAGES = 16;
/** Windows over the message rate limit in a row before the socket is closed with 1008. */
const FLOOD_STRIKES_TO_CLOSE = 3;
/** A window with this many times the limit is flooding on its own. */
const FLOOD_BURST_FACTOR = 10;
/** How long a server-side close may take before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;
/** The sweep gives the event loop back after this much work (ms): 15,000 sockets take 10–30 ms. */
const SWEEP_SLICE_MS = 3;

/** What the node session service does for sockets of role node. */
export interface NodeHandler {
  /** After a node's Connect is accepted: register the node (may do I/O). */
  connect(connection: Connection, payload: ConnectPayload): Promise<void>;
  /** Right after its Connected is written (frames sent here leave in the same write). */
  connected(connection: Connection, now: number): void;
  /** Each Heartbeat of a connected node. Must not do I/O: it runs at every heartbeat. */
  heartbeat(connection: Connection, now: number): void;
  /** The node's socket closed (after Disconnect, a timeout, replacement, …). */
  closed(connection: Connection, code: number): void;
  /** A pong arrived (round-trip measurement). */
  pong(connection: Connection, now: number): void;
  /** Periodic upkeep per node socket, from the sweep (e.g. send a ping). */
  sweep(connection: Connection, now: number): void;
}

/** Builds the snapshot frames sent right after Connected. */
export type SnapshotBuilder = (connection: Connection) => Promise<ServerFrame[]>;

type UserEventListener = (userId: number, event: DomainEvent) => void;

/**
 * The realtime core: accepts sockets from the gateways, authenticates them once at the upgrade,
 * decodes and rate-limits frames, runs the Connect handshake and heartbeats, keeps the registry
 * of sockets by user (subscribing this instance to a user's events while it holds a socket of
 * theirs), sends frames with coalescing and backpressure, and sweeps for stale sockets with one
 * periodic pass rather than a timer per socket.
 */
@Injectable()
export class RealtimeServer implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('Realtime');
  private readonly connections = new Set<Connection>();
  /** The ws servers handed over by the gateways, with their endpoint. */
  private readonly servers = new Map<WebSocketServer, EndpointSpec>();
  private readonly byUser = new Map<number, Set<Connection>>();
  private readonly userSubscriptions = new Map<number, Unsubscribe>();
  private readonly nodes = new Map<string, Connection>();
  private readonly userEventListeners: UserEventListener[] = [];
  private readonly trust: (address: string, hop: number) => boolean;
  /** The Heartbeat reply, encoded and framed once per wire format. */
  private readonly heartbeatAcks: Record<WireFormat, SharedUpdate>;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly heldTimer: NodeJS.Timeout;
  private sweeping = false;
  /** Sockets with held updates (`pending`): the only ones that need a look as often as updates are paced. */
  private readonly holding = new Set<Connection>();
  private nodeHandler: NodeHandler | null = null;
  private snapshotBuilder: SnapshotBuilder = () => Promise.resolve([]);
  private acceptingConnections = true;
  private shutdown: Promise<void> | null = null;
  /** What every socket's events call (through CoreWebSocket): no listeners per socket. */
  private readonly handlers: ConnectionHandlers = {
    message: (connection, data, isBinary) => this.onMessage(connection, data, isBinary),
    close: (connection, code) => this.onClose(connection, code),
    error: (connection, error) => this.onSocketError(connection, error),
    pong: (connection) => this.nodeHandler?.pong(connection, Date.now()),
  };

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly sessions: SessionValidator,
    private readonly bus: EventBus,
    private readonly lifecycle: LifecycleState,
    private readonly metrics: RealtimeMetrics,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {
    this.trust = proxyAddr.compile([...config.http.trustedProxies]);
    this.heartbeatAcks = {
      json: new SharedUpdate({ type: 'Heartbeat' }, 'json'),
      msgpack: new SharedUpdate({ type: 'Heartbeat' }, 'msgpack'),
    };
    // The sweep of every socket runs often enough for the shortest timeout; held updates, which
    // must go out close to on time, are looked at more often but only on the sockets holding any.
    const sweepEveryMs = Math.min(1_000, Math.max(25, Math.floor(Math.min(config.ws.connectTimeoutMs, config.ws.clientTimeoutMs) / 4)));
    const heldEveryMs = Math.min(sweepEveryMs, Math.max(2, Math.floor(Math.min(config.earnings.pushMs, config.ws.nodePushMs) / 4)));
    this.sweepTimer = setInterval(() => void this.sweep(), sweepEveryMs);
    this.sweepTimer.unref();
    this.heldTimer = setInterval(() => this.sendHeld(Date.now()), heldEveryMs);
    this.heldTimer.unref();
  }

  // ---------------------------------------------------------------- wiring (from other modules)

  setNodeHandler(handler: NodeHandler): void {
    this.nodeHandler = handler;
  }

  setSnapshotBuilder(builder: SnapshotBuilder): void {
    this.snapshotBuilder = builder;
  }

  /** Events of users this instance holds sockets of (the bus subscription is shared). */
  onUserEvent(listener: UserEventListener): void {
    this.userEventListeners.push(listener);
  }

  /** Called by a gateway's afterInit: sockets of this ws server belong to `endpoint`. */
  attach(server: WebSocketServer, endpoint: EndpointSpec): void {
    // The core's sockets take their events through CoreWebSocket, not listeners.
    if (server.options.WebSocket !== CoreWebSocket) throw new Error(`WebSocket server of ${endpoint.path} must make CoreWebSocket sockets (LeanWsAdapter)`);
    this.servers.set(server, endpoint);
    // Full (WS_MAX_CONNECTIONS): refused at the upgrade, before the file limit is reached and the
    // process can no longer open anything; the client backs off and reconnects elsewhere.
    const limit = this.config.ws.maxConnections;
    if (limit > 0) refuseUpgradesWhenFull(server, () => this.connections.size >= limit, () => this.metrics.refused(endpoint.name, 'capacity'));
    server.on('connection', (ws: WebSocket, request: IncomingMessage) => this.accept(ws, request, endpoint));
    server.on('error', (error) => this.logger.error({ err: error }, `WebSocket server error on ${endpoint.path}`));
  }

  // ---------------------------------------------------------------- queries

  /**
   * The sockets accepted from one ws server and not yet closed. The ws servers keep no client list
   * (`clientTracking: false`), so the adapter closing a server terminates these.
   */
  *socketsOf(server: WebSocketServer): Generator<WebSocket> {
    const endpoint = this.servers.get(server);
    if (endpoint === undefined) return;
    for (const connection of [...this.connections]) if (connection.endpoint === endpoint) yield connection.ws;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  connectionsOf(userId: number): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? EMPTY;
  }

  /**
   * Whether any socket of the user takes `type` (open, or connecting: a socket loading its
   * snapshot may hold a push). A push pass loads state only for such users: a user whose sockets
   * are all nodes (NodeUpdate only, by default) costs no EarningsUpdate or NetworkUpdate query.
   */
  hasSubscriber(userId: number, type: UpdateMessageType): boolean {
    const connections = this.byUser.get(userId);
    if (connections === undefined) return false;
    for (const connection of connections) if (connection.updates.has(type)) return true;
    return false;
  }

  /** How many users hold a socket here (without listing them). */
  get onlineUserCount(): number {
    return this.byUser.size;
  }

  usersOnline(): number[] {
    return [...this.byUser.keys()];
  }

  /** Open node sockets, for the accrual engine's bookkeeping. */
  nodeConnections(): IterableIterator<Connection> {
    return this.nodes.values();
  }

  // ---------------------------------------------------------------- sending

  /** Sends a control frame (Connected, Heartbeat, Error, Disconnect) right away. */
  send<T extends ServerMessageType>(connection: Connection, type: T, payload?: ServerMessages[T]): void {
    const frame: ServerFrame = payload === undefined ? { type } : { type, payload };
    this.write(connection, encodeFrame(frame, connection.format), type);
  }

  /**
   * Pushes an update to every socket of `userId` subscribed to its type. The frame is encoded once
   * per wire format, and the same bytes, header included, are written to every socket that can
   * take them now. `loadStartedAt`: when the state in the frame began loading; a socket still
   * sending its snapshot holds the frame if the snapshot began earlier (it may miss this state),
   * and skips it otherwise (the snapshot has it).
   */
  pushToUser(userId: number, frame: ServerFrame<UpdateMessageType>, loadStartedAt = Date.now()): void {
    const connections = this.byUser.get(userId);
    if (connections === undefined) return;
    const shared: Partial<Record<WireFormat, SharedUpdate>> = {};
    const now = Date.now();
    for (const connection of connections) {
      if (!connection.updates.has(frame.type)) continue;
      if (connection.isOpen) {
        const update = (shared[connection.format] ??= new SharedUpdate(frame, connection.format));
        this.sendUpdate(connection, frame, update.payload, now, update);
      } else if (connection.state === 'connecting' && loadStartedAt >= connection.snapshotStartedAt) {
        this.hold(connection, frame, null);
      }
    }
  }

  /** Pushes an update to one socket (a node's own NodeUpdate), if it is subscribed to the type. */
  pushToConnection(connection: Connection, frame: ServerFrame<UpdateMessageType>): void {
    if (!connection.isOpen || !connection.updates.has(frame.type)) return;
    this.sendUpdate(connection, frame, encodeFrame(frame, connection.format), Date.now());
  }

  /** Sends an error frame and closes; used for auth failures and policy closes. */
  closeWithError(connection: Connection, error: DashboardError, code: CloseCode): void {
    const frame = errorFrameOf(error);
    this.send(connection, 'Error', frame.payload);
    this.close(connection, code, error.message);
  }

  /** Sends Disconnect {reason} and closes with `code`. */
  disconnect(connection: Connection, code: CloseCode, reason: string): void {
    if (connection.state === 'closed') return;
    this.send(connection, 'Disconnect', { reason });
    this.close(connection, code, reason);
  }

  /** Closes every socket of a user (admin disable: 4401). */
  closeUser(userId: number, error: DashboardError, code: CloseCode): number {
    const connections = [...this.connectionsOf(userId)];
    for (const connection of connections) this.closeWithError(connection, error, code);
    return connections.length;
  }

  /** Closes the node session of (user, device) on this instance, if any. */
  closeNode(userId: number, deviceId: string, code: CloseCode, reason: string): boolean {
    const connection = this.nodes.get(nodeKey(userId, deviceId));
    if (connection === undefined) return false;
    this.disconnect(connection, code, reason);
    return true;
  }

  /** Closes the node session with this id on this instance, if any (replaced elsewhere: 4001). */
  closeNodeSession(sessionId: string, code: CloseCode, reason: string): boolean {
    for (const connection of this.nodes.values()) {
      if (connection.id !== sessionId) continue;
      this.disconnect(connection, code, reason);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- lifecycle of a socket

  private accept(ws: WebSocket, request: IncomingMessage, endpoint: EndpointSpec): void {
    const now = Date.now();
    const url = new URL(request.url ?? '/', 'ws://localhost');
    const format: WireFormat = url.searchParams.get('format') === 'msgpack' ? 'msgpack' : 'json';
    const connection = new Connection(newId(16), ws, endpoint, format, this.clientIp(request), now);
    // binaryType 'nodebuffer': a message is always one Buffer.
    ws.binaryType = 'nodebuffer';
    (ws as CoreWebSocket).accept(connection, this.handlers);
    this.connections.add(connection);
    this.metrics.opened(endpoint.name);

    if (!this.acceptingConnections || this.lifecycle.isShuttingDown) {
      this.disconnect(connection, CloseCode.GoingAway, 'server shutting down');
      return;
    }
    void this.authenticate(connection, bearerToken(request, url));
  }

  private async authenticate(connection: Connection, token: string | null): Promise<void> {
    try {
      if (token === null) throw DashboardError.unauthorized('Authentication required: send a bearer token at the upgrade');
      connection.auth = await this.sessions.authenticate(await this.tokens.verifyAccess(token));
    } catch (error) {
      if (connection.isClosed) return;
      const failure = toDashboardError(error);
      if (failure.type === DashboardErrorType.Unauthorized || failure.type === DashboardErrorType.SessionExpired) {
        this.closeWithError(connection, failure, CloseCode.Unauthorized);
      } else {
        // The token may be fine: the server could not check it (database down). Not a 4401,
        // which would send the client to refresh its token for nothing.
        this.logger.warn({ err: error }, 'Could not authenticate a socket');
        this.closeWithError(connection, failure, CloseCode.InternalError);
      }
      return;
    }
    if (connection.state !== 'authenticating') return;
    connection.state = 'awaiting-connect';
    this.drainQueue(connection);
  }

  private onMessage(connection: Connection, data: Buffer, isBinary: boolean): void {
    const now = Date.now();
    connection.lastMessageAt = now;
    if (!this.withinRateLimit(connection, now)) return;
    if (connection.state === 'authenticating' || connection.state === 'connecting') {
      connection.queued ??= [];
      if (connection.queued.length < MAX_QUEUED_MESSAGES) connection.queued.push({ data, isBinary });
      else this.metrics.messageDropped(connection.endpoint.name, 'unknown', 'queue_full');
      return;
    }
    if (connection.state === 'closed') return;
    let message: ClientMessage;
    try {
      message = decodeFrame(data, isBinary);
    } catch (error) {
      this.metrics.messageReceived(connection.endpoint.name, 'invalid');
      this.sendProtocolError(connection, error);
      return;
    }
    this.metrics.messageReceived(connection.endpoint.name, message.type);
    this.dispatch(connection, message, now);
  }

  private dispatch(connection: Connection, message: ClientMessage, now: number): void {
    switch (message.type) {
      case 'Connect':
        if (connection.state !== 'awaiting-connect') {
          this.sendError(connection, DashboardErrorType.MessageParseError, 'Already connected');
          return;
        }
        void this.handleConnect(connection, message.payload);
        return;
      case 'Heartbeat':
        if (connection.state !== 'open') {
          this.sendError(connection, DashboardErrorType.MessageParseError, 'Send Connect first');
          return;
        }
        // The ack is the same bytes for every socket: written whole, as a fan-out frame is.
        this.write(connection, this.heartbeatAcks[connection.format].payload, 'Heartbeat', this.heartbeatAcks[connection.format].wireBytes);
        if (connection.role === 'node') this.nodeHandler?.heartbeat(connection, now);
        return;
      case 'Disconnect':
        this.close(connection, CloseCode.Normal, 'client disconnected');
        return;
    }
  }

  private async handleConnect(connection: Connection, payload: ConnectPayload): Promise<void> {
    const auth = connection.auth!;
    const role = payload.role ?? connection.endpoint.defaultRole;
    if (!connection.endpoint.roles.includes(role)) {
      this.sendError(connection, DashboardErrorType.InvalidNetworkData, `role ${role} is not available on ${connection.endpoint.path}`);
      return;
    }
    if (payload.user_id !== undefined && payload.user_id !== auth.userId) {
      this.closeWithError(connection, DashboardError.unauthorized('user_id does not match the token'), CloseCode.Unauthorized);
      return;
    }
    try {
      connection.updates = resolveSubscription(connection.endpoint, role, payload.updates);
    } catch (error) {
      this.sendProtocolError(connection, error);
      return;
    }
    connection.state = 'connecting';
    // Until the snapshot starts loading, pushes are dropped: the snapshot will be newer.
    connection.snapshotStartedAt = Infinity;
    connection.role = role;
    connection.deviceId = payload.device_id;
    connection.connectedAt = Date.now();
    this.register(connection);
    try {
      if (role === 'node') {
        this.replaceOlderNodeSession(connection);
        await this.nodeHandler?.connect(connection, payload);
        await this.announceNodeSession(connection);
      }
      if (connection.state !== 'connecting') return;
      coalesceWritesThisTick(connection.ws);
      this.send(connection, 'Connected', {
        session_id: connection.id,
        user_id: auth.userId,
        device_id: payload.device_id,
        role,
        heartbeat_interval_ms: this.config.ws.heartbeatIntervalMs,
        server_time: new Date().toISOString(),
      });
      if (role === 'node') this.nodeHandler?.connected(connection, Date.now());
      connection.snapshotStartedAt = Date.now();
      for (const frame of await this.snapshotBuilder(connection)) {
        if (connection.state !== 'connecting') return;
        this.write(connection, encodeFrame(frame, connection.format), frame.type);
        if (frame.type in UPDATE_TYPE_RULES) this.markSent(connection, frame.type as UpdateMessageType, Date.now());
      }
    } catch (error) {
      this.logger.error({ err: error, userId: auth.userId }, 'Connect failed');
      if (!connection.isClosed) {
        const failure = new DashboardError(DashboardErrorType.ServiceUnavailable, 'Could not connect');
        this.closeWithError(connection, failure, CloseCode.InternalError);
      }
      return;
    }
    if (connection.state !== 'connecting') return;
    connection.state = 'open';
    // Updates that arrived while the snapshot was loading follow it at once.
    if (connection.pending !== null) this.flushPending(connection, Date.now());
    this.drainQueue(connection);
  }

  private onClose(connection: Connection, code: number): void {
    if (connection.state === 'closed' && !this.connections.has(connection)) return;
    const wasNode = connection.role === 'node' && connection.state !== 'authenticating';
    connection.state = 'closed';
    connection.queued = null;
    connection.pending = null;
    this.holding.delete(connection);
    this.connections.delete(connection);
    this.unregister(connection);
    this.metrics.socketClosed(connection.endpoint.name);
    this.metrics.closed(connection.endpoint.name, code);
    if (wasNode && connection.auth !== null) {
      try {
        this.nodeHandler?.closed(connection, code);
      } catch (error) {
        this.logger.error({ err: error }, 'Node close handling failed');
      }
    }
  }

  private onSocketError(connection: Connection, error: Error): void {
    // ws reports protocol violations here (oversized frame → it closes with 1009, bad UTF-8 → 1007)
    // and then closes the socket itself; we only log what is unexpected.
    const code = (error as { code?: string }).code;
    if (code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && code !== 'WS_ERR_INVALID_UTF8' && code !== 'ECONNRESET') {
      this.logger.debug({ err: error, connection: connection.id }, 'Socket error');
    }
  }

  // ---------------------------------------------------------------- registry

  private register(connection: Connection): void {
    const userId = connection.userId;
    let set = this.byUser.get(userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(userId, set);
      this.userSubscriptions.set(
        userId,
        this.bus.subscribeUser(userId, (event) => this.onUserEvent_(userId, event)),
      );
    }
    set.add(connection);
  }

  private unregister(connection: Connection): void {
    if (connection.auth === null) return;
    const userId = connection.userId;
    const set = this.byUser.get(userId);
    if (set?.delete(connection) && set.size === 0) {
      this.byUser.delete(userId);
      this.userSubscriptions.get(userId)?.();
      this.userSubscriptions.delete(userId);
    }
    if (connection.role === 'node' && connection.deviceId !== null) {
      const key = nodeKey(userId, connection.deviceId);
      if (this.nodes.get(key) === connection) this.nodes.delete(key);
    }
  }

  /** A node is one session per (user, device) in the whole cluster: the newer replaces the older. */
  private replaceOlderNodeSession(connection: Connection): void {
    const key = nodeKey(connection.userId, connection.deviceId!);
    const previous = this.nodes.get(key);
    this.nodes.set(key, connection);
    if (previous !== undefined && previous !== connection) {
      this.disconnect(previous, CloseCode.Replaced, 'replaced by a newer session of this device');
    }
  }

  private async announceNodeSession(connection: Connection): Promise<void> {
    await this.bus.publishAfterCommit({
      type: 'node.session.started',
      userIds: [connection.userId],
      deviceId: connection.deviceId!,
      sessionId: connection.id,
      instanceId: this.instanceId,
      startedAt: connection.connectedAt,
    });
  }

  private onUserEvent_(userId: number, event: DomainEvent): void {
    if (event.type === 'node.session.started') {
      const local = this.nodes.get(nodeKey(userId, event.deviceId));
      // The newer session wins; ties are broken by session id so both sides agree.
      if (
        local !== undefined &&
        local.id !== event.sessionId &&
        (local.connectedAt < event.startedAt || (local.connectedAt === event.startedAt && local.id < event.sessionId))
      ) {
        this.disconnect(local, CloseCode.Replaced, 'replaced by a newer session of this device');
      }
      return;
    }
    for (const listener of this.userEventListeners) {
      try {
        listener(userId, event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'User event listener failed');
      }
    }
  }

  // ---------------------------------------------------------------- limits, sending, sweeping

  private withinRateLimit(connection: Connection, now: number): boolean {
    if (now - connection.windowStart >= 1_000) {
      connection.floodStrikes = connection.windowCount > this.config.ws.maxMessagesPerSecond ? connection.floodStrikes : 0;
      connection.windowStart = now;
      connection.windowCount = 0;
    }
    const limit = this.config.ws.maxMessagesPerSecond;
    connection.windowCount += 1;
    if (connection.windowCount <= limit) return true;
    this.metrics.messageDropped(connection.endpoint.name, 'unknown', 'rate_limited');
    if (connection.windowCount === limit + 1) {
      connection.floodStrikes += 1;
      if (connection.floodStrikes >= FLOOD_STRIKES_TO_CLOSE) {
        this.closeWithError(connection, DashboardError.rateLimited(1, 'Flooding; closing'), CloseCode.PolicyViolation);
        return false;
      }
      this.sendError(connection, DashboardErrorType.RateLimited, `More than ${limit} messages per second`);
    } else if (connection.windowCount >= limit * FLOOD_BURST_FACTOR) {
      this.closeWithError(connection, DashboardError.rateLimited(1, 'Flooding; closing'), CloseCode.PolicyViolation);
    }
    return false;
  }

  /** `shared`: the same update for other sockets too, written as prepared whole-frame bytes. */
  private sendUpdate(connection: Connection, frame: ServerFrame<UpdateMessageType>, data: EncodedFrame, now: number, shared?: SharedUpdate): void {
    const type = frame.type;
    if (connection.ws.bufferedAmount > SEND_BUFFER_LOW_WATER || this.tooSoon(connection, type, now)) {
      this.hold(connection, frame, data);
      return;
    }
    if (connection.pending?.has(type)) {
      // Behind a held frame of this type (the socket has just caught up), the two go out as one:
      // an older frame must not follow a newer one, and a held delta must precede the next.
      this.hold(connection, frame, data);
      this.flushPending(connection, now);
      return;
    }
    this.markSent(connection, type, now);
    this.write(connection, data, type, shared?.wireBytes);
  }

  /** Keeps an update for later: merged into a held one of its type, or replacing it. */
  private hold(connection: Connection, frame: ServerFrame<UpdateMessageType>, data: EncodedFrame | null): void {
    connection.pending ??= new Map();
    this.holding.add(connection);
    const held = connection.pending.get(frame.type);
    let next: HeldUpdate = { frame, data: retainable(data) };
    if (held !== undefined) {
      this.metrics.messageDropped(connection.endpoint.name, frame.type, 'coalesced');
      const merge = UPDATE_TYPE_RULES[frame.type].merge;
      if (merge !== undefined) next = { frame: merge(held.frame, frame) as ServerFrame<UpdateMessageType>, data: null };
    }
    connection.pending.set(frame.type, next);
  }

  private tooSoon(connection: Connection, type: UpdateMessageType, now: number): boolean {
    const period = UPDATE_TYPE_RULES[type].period;
    if (period === undefined) return false;
    const ms = this.periodMs(period);
    return ms > 0 && now - connection.lastPushAt(period) < ms;
  }

  private markSent(connection: Connection, type: UpdateMessageType, now: number): void {
    const period = UPDATE_TYPE_RULES[type].period;
    if (period !== undefined && this.periodMs(period) > 0) connection.markPushed(period, now);
  }

  private periodMs(period: PushPeriod): number {
    switch (period) {
      case 'earnings':
        return this.config.earnings.pushMs;
      case 'node':
        return this.config.ws.nodePushMs;
    }
  }

  /** `wireBytes`: the same frame prepared whole (prepared-frame.ts), written straight to the TCP stream when it can be. */
  private write(connection: Connection, data: EncodedFrame, type: string, wireBytes?: Buffer): void {
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) return;
    if (wireBytes === undefined || !writeWireFrame(ws, wireBytes)) ws.send(data, SEND_OPTIONS[connection.format]);
    this.metrics.messageSent(connection.endpoint.name, type);
  }

  private sendError(connection: Connection, type: DashboardErrorType, message: string): void {
    this.send(connection, 'Error', { error: type, message });
  }

  private sendProtocolError(connection: Connection, error: unknown): void {
    if (error instanceof ProtocolError) this.sendError(connection, error.type, error.message);
    else this.sendError(connection, DashboardErrorType.MessageParseError, 'Could not read the message');
  }

  private drainQueue(connection: Connection): void {
    const queued = connection.queued;
    connection.queued = null;
    if (queued === null) return;
    for (const { data, isBinary } of queued) {
      if (connection.state === 'closed' || connection.state === 'connecting') {
        // A queued Connect put the socket back into 'connecting': keep the rest for later.
        if (connection.state === 'connecting') (connection.queued ??= []).push({ data, isBinary });
        continue;
      }
      let message: ClientMessage;
      try {
        message = decodeFrame(data, isBinary);
      } catch (error) {
        this.sendProtocolError(connection, error);
        continue;
      }
      this.metrics.messageReceived(connection.endpoint.name, message.type);
      this.dispatch(connection, message, Date.now());
    }
  }

  private close(connection: Connection, code: CloseCode, reason: string): void {
    const { ws } = connection;
    if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return;
    ws.close(code, reason.slice(0, 120));
    // A client that does not answer the close handshake is cut after a short grace.
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /**
   * One pass over all sockets: timeouts, slow consumers, held updates, node upkeep. In slices of
   * a few milliseconds (a Set's iterator sees sockets added meanwhile and skips those removed),
   * so heartbeats are answered between them; a pass still under way skips the next tick.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const slicer = new TimeSlicer(SWEEP_SLICE_MS);
      let now = Date.now();
      let steps = 0;
      for (const connection of this.connections) {
        this.sweepOne(connection, now);
        if ((++steps & 63) === 0 && slicer.isDue()) {
          await slicer.nextSlice();
          now = Date.now();
        }
      }
    } finally {
      this.sweeping = false;
    }
  }

  private sweepOne(connection: Connection, now: number): void {
    const { connectTimeoutMs, clientTimeoutMs } = this.config.ws;
    switch (connection.state) {
      case 'authenticating':
      case 'awaiting-connect':
        // 4408 blames the client: only when it has sent nothing at all (a Connect queued while
        // the server was still checking the token counts as in time).
        if (now - connection.openedAt > connectTimeoutMs && connection.queued === null) {
          this.disconnect(connection, CloseCode.ConnectTimeout, 'no Connect in time');
        }
        return;
      case 'connecting':
        return; // the server's turn: registering the node and loading the snapshot
      case 'closed':
        return;
      case 'open':
        break;
    }
    if (now - connection.lastMessageAt > clientTimeoutMs) {
      this.disconnect(connection, CloseCode.HeartbeatTimeout, 'heartbeat timeout');
      return;
    }
    const buffered = connection.ws.bufferedAmount;
    if (buffered > SEND_BUFFER_LOW_WATER) {
      if (connection.backloggedSince === 0) connection.backloggedSince = now;
      if (buffered > SEND_BUFFER_HARD_LIMIT || now - connection.backloggedSince > this.config.ws.slowConsumerMs) {
        this.closeSlowConsumer(connection);
        return;
      }
    } else {
      connection.backloggedSince = 0;
    }
    if (connection.pending !== null && buffered <= SEND_BUFFER_LOW_WATER) this.flushPending(connection, now);
    if (connection.role === 'node') this.nodeHandler?.sweep(connection, now);
  }

  /** Held updates whose period has passed, on sockets that can take them now. */
  private sendHeld(now: number): void {
    for (const connection of this.holding) {
      if (connection.pending === null || connection.isClosed) {
        this.holding.delete(connection);
        continue;
      }
      if (connection.isOpen && connection.ws.bufferedAmount <= SEND_BUFFER_LOW_WATER) this.flushPending(connection, now);
    }
  }

  /**
   * The close frame would queue behind everything the reader is not reading, so the socket is
   * cut right away; the close is recorded with 1013 like any other.
   */
  private closeSlowConsumer(connection: Connection): void {
    this.close(connection, CloseCode.TryAgainLater, 'too slow');
    connection.ws.terminate();
    this.onClose(connection, CloseCode.TryAgainLater);
  }

  private flushPending(connection: Connection, now: number): void {
    const pending = connection.pending!;
    for (const [type, held] of pending) {
      if (this.tooSoon(connection, type, now)) continue;
      pending.delete(type);
      this.markSent(connection, type, now);
      this.write(connection, held.data ?? encodeFrame(held.frame, connection.format), type);
    }
    if (pending.size === 0) {
      connection.pending = null;
      this.holding.delete(connection);
    }
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * SIGTERM: refuse new sockets, tell every client to go elsewhere (Disconnect + 1001) and wait
   * for the closes, so that node sessions end before the accrual buffer is flushed.
   */
  beforeApplicationShutdown(): Promise<void> {
    return this.closeAllForShutdown();
  }

  /** Idempotent: the accrual flusher awaits it too, so that it flushes after the last heartbeat. */
  closeAllForShutdown(): Promise<void> {
    this.shutdown ??= this.closeAll();
    return this.shutdown;
  }

  private async closeAll(): Promise<void> {
    this.acceptingConnections = false;
    const open = [...this.connections];
    if (open.length === 0) return;
    const closed = Promise.all(
      open.map(
        (connection) =>
          new Promise<void>((resolve) => {
            if (connection.ws.readyState === connection.ws.CLOSED) return resolve();
            connection.ws.once('close', () => resolve());
          }),
      ),
    );
    // Spread over SHUTDOWN_DRAIN_MS so the other instances take the reconnects as a trickle; the
    // sockets still open keep heartbeating (and accruing) until their turn.
    await closeGradually(open, this.config.shutdown.drainMs, (connection) => {
      if (connection.ws.readyState === connection.ws.OPEN) this.disconnect(connection, CloseCode.GoingAway, 'server shutting down');
    });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS + 500).unref());
    await Promise.race([closed, timeout]);
    for (const connection of open) connection.ws.terminate();
    this.logger.log(`Closed ${open.length} WebSocket connection(s) for shutdown`);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.heldTimer);
  }

  private clientIp(request: IncomingMessage): string {
    const socketAddress = normalizeIp(request.socket.remoteAddress ?? 'unknown');
    // Without X-Forwarded-For the peer is the client, trusted or not: no address parsing per upgrade.
    if (request.headers['x-forwarded-for'] === undefined) return socketAddress;
    try {
      // X-Forwarded-For is free text: an entry that is not an address (from a trusted peer) must not
      // become the node's ip_address (varchar 45, so a long one failed the Connect) or its per-IP key.
      const address = proxyAddr(request, this.trust);
      return isIP(address) === 0 ? socketAddress : normalizeIp(address);
    } catch {
      return socketAddress;
    }
  }
}

const EMPTY: ReadonlySet<Connection> = new Set();

/**
 * Holds the socket's writes until the current tick's promise jobs have run, so that Connected and
 * a snapshot built without I/O (a node's, from its registration) leave in one write instead of a
 * system call each — on loopback or a busy host, the call, not the bytes, is the cost. A snapshot
 * that waits for I/O is not held back: Connected goes out at the end of the tick.
 */
function coalesceWritesThisTick(ws: WebSocket): void {
  // ws keeps its net.Socket as `_socket` (not in its types).
  const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  if (socket === undefined) return;
  socket.cork();
  process.nextTick(() => socket.uncork());
}

function nodeKey(userId: number, deviceId: string): string {
  return `${userId}:${deviceId}`;
}

/** The access token of an upgrade: `Authorization: Bearer …` or `?token=…`. */
function bearerToken(request: IncomingMessage, url: URL): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s+/i.test(header)) return header.replace(/^Bearer\s+/i, '').trim() || null;
  const query = url.searchParams.get('token');
  return query === null || query === '' ? null : query;
}

/**
 * Encoded bytes worth keeping with a held update. A small Buffer is often a view into a shared
 * pool block (Buffer.from's 8 KiB slab, msgpackr's output buffer): held on a paced or slow socket
 * for a minute it would keep that whole block alive, so such a view is dropped and the frame
 * encoded again when it is sent.
 */
function retainable(data: EncodedFrame | null): EncodedFrame | null {
  if (data === null || typeof data === 'string') return data;
  return data.byteLength === data.buffer.byteLength ? data : null;
}
