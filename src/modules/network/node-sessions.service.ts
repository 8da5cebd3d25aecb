import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config';
import { ledgerBucketStartMs } from '../../common/epoch';
import { EventBus } from '../../infra/bus/event-bus';
import { NodeRegistry } from '../../infra/presence/node-registry';
import { Connection } from '../../realtime/connection';
import { ConnectPayload } from '../../realtime/protocol';
import { RealtimeMetrics } from '../../realtime/realtime.metrics';
import { NodeHandler, RealtimeServer } from '../../realtime/realtime.server';
import { AccrualFlusher } from './accrual/accrual-flusher.service';
import { nextRtt, nextScore } from './accrual/network-score';
import { NetworkRepository } from './network.repository';
import { NodeRegistrationBatcher } from './node-registration.batcher';
import { NodeSession } from './node-session';
import { NodeUpdatesService } from './node-updates.service';

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
    const session = new NodeSession(connection.id, node.id, connection.userId, payload.device_id, connection.ip, connection.connectedAt, Date.now());
    connection.node = session;
    this.registry.register(session);
  }

  /** The first round-trip ping leaves with Connected, in its write, rather than alone at the next sweep. */
  connected(connection: Connection, now: number): void {
    const session = connection.node as NodeSession | null;
    if (session === null) return;
    session.lastPingAt = now;
    session.pingSentAt = now;
    connection.ws.ping();
  }

  heartbeat(connection: Connection, now: number): void {
    const session = connection.node as NodeSession | null;
    if (session === null) return;
    const elapsed = Math.max(0, now - session.lastBeatAt);
    session.lastBeatAt = now;
    this.metrics.heartbeatGap.observe(elapsed / 1000);
    const credited = Math.min(elapsed, this.capMs);
    session.score = nextScore(session.score, elapsed, this.config.ws.heartbeatIntervalMs, session.rttMs);
    const score = this.registry.allows(session) ? session.score : 0;
    const micro = Math.round(this.microPerMs * score * credited);
    this.flusher.buffer.add(
      session.nodeId,
      connection.userId,
      ledgerBucketStartMs(now, this.config.earnings),
      credited / 1000,
      micro,
      score,
      now,
    );
  }

  closed(connection: Connection): void {
    const session = connection.node as NodeSession | null;
    if (session === null) return;
    this.registry.unregister(session);
    connection.node = null;
    this.disconnects.push({ nodeId: session.nodeId, sessionId: connection.id });
  }

  pong(connection: Connection, now: number): void {
    const session = connection.node as NodeSession | null;
    if (session === null || session.pingSentAt === 0) return;
    this.metrics.nodeRtt.observe((now - session.pingSentAt) / 1000);
    session.rttMs = nextRtt(session.rttMs, now - session.pingSentAt);
    session.pingSentAt = 0;
  }

  sweep(connection: Connection, now: number): void {
    const session = connection.node as NodeSession | null;
    if (session === null) return;
    if (session.pingSentAt !== 0 && now - session.pingSentAt > this.capMs) {
      // No pong for two heartbeat periods: count it as a very slow round trip.
      session.rttMs = nextRtt(session.rttMs, now - session.pingSentAt);
      session.pingSentAt = 0;
    }
    if (session.pingSentAt === 0 && now - session.lastPingAt >= this.config.ws.heartbeatIntervalMs) {
      // ±25 % around the interval: nodes that connected together (a restart, a storm) would
      // otherwise be pinged together for ever, thousands of writes in one sweep slice.
      session.lastPingAt = now + (Math.random() - 0.5) * PING_JITTER * this.config.ws.heartbeatIntervalMs;
      session.pingSentAt = now;
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
