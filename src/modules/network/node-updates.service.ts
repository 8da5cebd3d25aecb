import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { fingerprint } from '../../common/fingerprint';
import { numericToJson } from '../../common/points';
import { chunksOf, TimeSlicer } from '../../common/time-slicer';
import { AppConfig } from '../../config';
import { Connection } from '../../realtime/connection';
import { ServerFrame } from '../../realtime/protocol';
import { RealtimeServer } from '../../realtime/realtime.server';
import { toNetworkJson } from './network.mapper';
import { NetworkRepository, NodeWithTodayRow } from './network.repository';

/** The pass that loads due NodeUpdates runs at least this often (ms). */
const MAX_PASS_MS = 1_000;
/** Node sockets whose state one query loads. */
const LOAD_CHUNK = 1_000;
/** The pass gives the event loop back after this much work (ms). */
const SLICE_BUDGET_MS = 5;

/**
 * `NodeUpdate {node, earnings: {today, total}}` for node sockets on this instance: each socket's
 * own node. A change of its owner's earnings or nodes marks the owner; a periodic pass marks the
 * owner's node sockets, loads those whose NODE_PUSH_MS has passed (one query for all of them) and pushes a frame to
 * each whose node actually changed. A node app thus costs one small frame per period at most,
 * whatever the size of its owner's fleet.
 */
@Injectable()
export class NodeUpdatesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('NodeUpdates');
  /**
   * Owners whose earnings or nodes changed since the last pass. A flush's `earnings.changed` comes
   * for every credited user inside one synchronous publish: marking the user there costs O(1),
   * and the pass (in slices) expands owners to their node sockets.
   */
  private readonly dirtyOwners = new Set<number>();
  /** Node sockets marked and not yet due (their NODE_PUSH_MS has not passed). */
  private readonly dirty = new Set<Connection>();
  /** Fingerprint of the last NodeUpdate sent to each socket. */
  private readonly lastSent = new WeakMap<Connection, number>();
  /** Rows of node sockets registered by their Connect, until their snapshot takes them. */
  private readonly registered = new WeakMap<Connection, NodeWithTodayRow>();
  private timer: NodeJS.Timeout | undefined;
  private pushing = false;

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly nodes: NetworkRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.realtime.onUserEvent((userId, event) => {
      if (event.type === 'earnings.changed' || event.type === 'network.changed') this.dirtyOwners.add(userId);
    });
    this.timer = setInterval(() => void this.push(), Math.min(MAX_PASS_MS, this.config.ws.nodePushMs));
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * The node's row as its Connect registered it, for the snapshot that follows. A change after it
   * marks the socket like any other (it is registered with the core first), so the next pass
   * sends what the snapshot missed.
   */
  useForSnapshot(connection: Connection, row: NodeWithTodayRow): void {
    this.registered.set(connection, row);
  }

  /** The snapshot's NodeUpdate of a node socket (undefined if its node is gone). */
  async frameFor(connection: Connection): Promise<ServerFrame<'NodeUpdate'> | undefined> {
    let row = this.registered.get(connection);
    if (row === undefined) [row] = await this.nodes.listByDevices([{ userId: connection.userId, deviceId: connection.deviceId! }]);
    else this.registered.delete(connection);
    if (row === undefined) return undefined;
    const frame = toNodeUpdate(row);
    this.lastSent.set(connection, fingerprintOf(frame));
    return frame;
  }

  private async push(): Promise<void> {
    if (this.pushing || (this.dirty.size === 0 && this.dirtyOwners.size === 0)) return;
    this.pushing = true;
    try {
      await this.markOwnersSockets();
      await this.pushDue();
    } finally {
      this.pushing = false;
    }
  }

  /** The node sockets (asking for NodeUpdate) of every owner marked since the last pass, in slices. */
  private async markOwnersSockets(): Promise<void> {
    const owners = [...this.dirtyOwners];
    this.dirtyOwners.clear();
    const slicer = new TimeSlicer(SLICE_BUDGET_MS);
    for (const userId of owners) {
      for (const connection of this.realtime.connectionsOf(userId)) {
        if (connection.role === 'node' && connection.updates.has('NodeUpdate')) this.dirty.add(connection);
      }
      if (slicer.isDue()) await slicer.nextSlice();
    }
  }

  private async pushDue(): Promise<void> {
    const now = Date.now();
    const due: Connection[] = [];
    for (const connection of this.dirty) {
      if (connection.isClosed) {
        this.dirty.delete(connection);
      } else if (connection.isOpen && now - connection.lastPushAt('node') >= this.config.ws.nodePushMs) {
        this.dirty.delete(connection);
        due.push(connection);
      }
    }
    if (due.length === 0) return;
    const slicer = new TimeSlicer(SLICE_BUDGET_MS);
    let done = 0;
    try {
      for (const chunk of chunksOf(due, LOAD_CHUNK)) {
        const rows = await this.nodes.listByDevices(chunk.map((c) => ({ userId: c.userId, deviceId: c.deviceId! })));
        slicer.restart();
        const byKey = new Map(rows.map((row) => [`${row.userId}:${row.deviceId}`, row]));
        for (const connection of chunk) {
          const row = byKey.get(`${connection.userId}:${connection.deviceId}`);
          if (row !== undefined) this.pushIfChanged(connection, toNodeUpdate(row));
          if (slicer.isDue()) await slicer.nextSlice();
        }
        done += chunk.length;
      }
    } catch (error) {
      for (const connection of due.slice(done)) this.dirty.add(connection);
      this.logger.warn({ err: error }, 'Could not load node state for NodeUpdate; will retry');
    }
  }

  private pushIfChanged(connection: Connection, frame: ServerFrame<'NodeUpdate'>): void {
    const print = fingerprintOf(frame);
    if (this.lastSent.get(connection) === print) return;
    this.lastSent.set(connection, print);
    this.realtime.pushToConnection(connection, frame);
  }
}

function toNodeUpdate(row: NodeWithTodayRow): ServerFrame<'NodeUpdate'> {
  const node = toNetworkJson(row);
  return { type: 'NodeUpdate', payload: { node, earnings: { today: numericToJson(row.earnedToday), total: node.points_earned } } };
}

/** Without updated_at, which moves on writes that change nothing a node app shows. */
function fingerprintOf(frame: ServerFrame<'NodeUpdate'>): number {
  const { updated_at: _ignored, ...node } = frame.payload!.node;
  return fingerprint(JSON.stringify([node, frame.payload!.earnings]));
}
