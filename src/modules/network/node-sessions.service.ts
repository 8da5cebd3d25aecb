import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config';
import { ledgerBucketStartMs } from '../../common/epoch';
import { EventBus } from '../../infra/bus/event-bus';
import { NodeRegistry, NodeSessionInfo } from '../../infra/presence/node-registry';
import { Connection } from '../../realtime/connection';
import { ConnectPayload } from '../../realtime/protocol';
import { RealtimeMetrics } from '../../realtime/realtime.metrics';
import { NodeHandler, RealtimeServer } from '../../realtime/realtime.server';
import { AccrualFlusher } from './accrual/accrual-flusher.service';
import { nextRtt, nextScore } from './accrual/network-score';
import { NetworkRepository } from './network.repository';
import { NodeRegistrationBatcher } from './node-registration.batcher';
import { NodeUpdatesService } from './node-updates.service';

/** Per-node state kept on its connection (see Connection.node). */
interface NodeState {
  readonly nodeId: number;
  readonly session: NodeSessionInfo;
  lastBeatAt: number;
  score: number;
  rttMs: number | null;
  lastPingAt: number;
  /** When the outstanding ping was sent (0: none outstanding). */
  pingSentAt: number;
}

/** Spread of the ping schedule, as a share of HEARTBEAT_INTERVAL_MS (mean period unchanged). */
const PING_JITTER = 0.5;

/** How often queued node disconnects are written (and their owners' dashboards told). */
const PRESENCE_FLUSH_MS = 200;

/**
 * Node sessions (role node on /ws/dashboard): registers the node at Connect, turns each
 * heartbeat into uptime and points by the earning rules of API.md — capped interval × score ×
 * POINTS_PER_HOUR — into the accrual buffer (no I/O on that path), measures round-trip time with
 * WebSocket pings, and marks nodes offline in batches when their sockets close.
 */
@Injectable()
export class NodeSessionService implements NodeHandler, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('NodeSessions');
  private readonly microPerMs: number;
  private readonly capMs: number;
  private disconnects: Array<{ nodeId: number; sessionId: string }> = [];
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly registrations: NodeRegistrationBatcher;

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly nodes: NetworkRepository,
    private readonly flusher: AccrualFlusher,
    private readonly registry: NodeRegistry,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly metrics: RealtimeMetrics,
    private readonly nodeUpdates: NodeUpdatesService,
  ) {
    this.microPerMs = (config.earnings.pointsPerHour * 1_000_000) / 3_600_000;
    this.capMs = 2 * config.ws.heartbeatIntervalMs;
    // One network.changed per registration batch for all its owners, before their Connected (the
    // snapshot reads the node list through the read cache, which the event clears).
    this.registrations = new NodeRegistrationBatcher(nodes, (userIds) => this.publishNetworkChanged(userIds));
  }

  onModuleInit(): void {
    this.realtime.setNodeHandler(this);
    this.flusher.setBeforeFinalFlush(async () => {
      await this.realtime.closeAllForShutdown();
      await this.flushDisconnects();
    });
    this.presenceTimer = setInterval(() => void this.flushDisconnects(), PRESENCE_FLUSH_MS);
    this.presenceTimer.unref();
  }

  async onApplicationBootstrap(): Promise<void> {
    // A single instance (no Redis) holds every node socket there is: nodes still marked connected
    // were left so by a crash. With Redis, instances share the nodes; see the cluster presence job.
    if (this.config.redis.url === null) {
      const owners = await this.nodes.disconnectAllExcept([]);
      if (owners.length > 0) this.logger.log(`Marked nodes of ${owners.length} user(s) offline after a restart`);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.presenceTimer);
  }

  async connect(connection: Connection, payload: ConnectPayload): Promise<void> {
    const node = await this.registrations.register({
      userId: connection.userId,
      deviceId: payload.device_id,
      networkName: payload.network_name ?? payload.device_id,
      ip: connection.ip,
      sessionId: connection.id,
    });
    if (connection.isClosed) {
      // Closed while the node was being registered: it is not connected after all.
      this.disconnects.push({ nodeId: node.id, sessionId: connection.id });
      return;
    }
    // The row as registered is the snapshot's NodeUpdate: no query per Connect for it.
    this.nodeUpdates.useForSnapshot(connection, node);
    const now = Date.now();
    const session: NodeSessionInfo = {
      sessionId: connection.id,
      nodeId: node.id,
      userId: connection.userId,
      deviceId: payload.device_id,
      ip: connection.ip,
      startedAt: connection.connectedAt,
    };
    const state: NodeState = { nodeId: node.id, session, lastBeatAt: now, score: 1, rttMs: null, lastPingAt: 0, pingSentAt: 0 };
    connection.node = state;
    this.registry.register(session);
  }

  /** The first round-trip ping leaves with Connected, in its write, rather than alone at the next sweep. */
  connected(connection: Connection, now: number): void {
    const state = connection.node as NodeState | null;
    if (state === null) return;
    state.lastPingAt = now;
    state.pingSentAt = now;
    connection.ws.ping();
  }

  heartbeat(connection: Connection, now: number): void {
    const state = connection.node as NodeState | null;
    if (state === null) return;
    const elapsed = Math.max(0, now - state.lastBeatAt);
    state.lastBeatAt = now;
    this.metrics.heartbeatGap.observe(elapsed / 1000);
    const credited = Math.min(elapsed, this.capMs);
    state.score = nextScore(state.score, elapsed, this.config.ws.heartbeatIntervalMs, state.rttMs);
    const score = this.registry.allows(state.session) ? state.score : 0;
    const micro = Math.round(this.microPerMs * score * credited);
    this.flusher.buffer.add(
      state.nodeId,
      connection.userId,
      ledgerBucketStartMs(now, this.config.earnings),
      credited / 1000,
      micro,
      score,
      now,
    );
  }

  closed(connection: Connection): void {
    const state = connection.node as NodeState | null;
    if (state === null) return;
    this.registry.unregister(state.session);
    connection.node = null;
    this.disconnects.push({ nodeId: state.nodeId, sessionId: connection.id });
  }

  pong(connection: Connection, now: number): void {
    const state = connection.node as NodeState | null;
    if (state === null || state.pingSentAt === 0) return;
    this.metrics.nodeRtt.observe((now - state.pingSentAt) / 1000);
    state.rttMs = nextRtt(state.rttMs, now - state.pingSentAt);
    state.pingSentAt = 0;
  }

  sweep(connection: Connection, now: number): void {
    const state = connection.node as NodeState | null;
    if (state === null) return;
    if (state.pingSentAt !== 0 && now - state.pingSentAt > this.capMs) {
      // No pong for two heartbeat periods: count it as a very slow round trip.
      state.rttMs = nextRtt(state.rttMs, now - state.pingSentAt);
      state.pingSentAt = 0;
    }
    if (state.pingSentAt === 0 && now - state.lastPingAt >= this.config.ws.heartbeatIntervalMs) {
      // ±25 % around the interval: nodes that connected together (a restart, a storm) would
      // otherwise be pinged together for ever, thousands of writes in one sweep slice.
      state.lastPingAt = now + (Math.random() - 0.5) * PING_JITTER * this.config.ws.heartbeatIntervalMs;
      state.pingSentAt = now;
      connection.ws.ping();
    }
  }

  private async flushDisconnects(): Promise<void> {
    if (this.disconnects.length === 0) return;
    const batch = this.disconnects;
    this.disconnects = [];
    try {
      const owners = await this.nodes.setDisconnected(batch);
      await this.publishNetworkChanged(owners);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not mark nodes offline; will retry');
      this.disconnects.push(...batch);
    }
  }

  private publishNetworkChanged(userIds: number[]): Promise<void> {
    return this.bus.publishAfterCommit({ type: 'network.changed', userIds });
  }
}
