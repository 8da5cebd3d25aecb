import type { WebSocket } from 'ws';
import { AuthUser } from '../modules/auth/auth-user';
import { EncodedFrame, WireFormat } from './codec';
import { EndpointSpec } from './endpoint';
import { Role, ServerFrame, UpdateMessageType } from './protocol';
import type { PushPeriod } from './update-types';

/** A held update: the frame, and its encoding when already made (merged frames are encoded when sent). */
export interface HeldUpdate {
  frame: ServerFrame<UpdateMessageType>;
  data: EncodedFrame | null;
}

const NO_UPDATES: ReadonlySet<UpdateMessageType> = new Set();

export type ConnectionState = 'authenticating' | 'awaiting-connect' | 'connecting' | 'open' | 'closed';

/**
 * Per-socket state, one small object per connection, found from its socket through
 * `connectionOf` (socket-connection.ts): the core's ws listeners are shared by all sockets, so it
 * keeps no closures per socket. Fields are public for the core's hot path; only the core and the
 * node session service write them.
 */
export class Connection {
  state: ConnectionState = 'authenticating';
  auth: AuthUser | null = null;
  role: Role | null = null;
  deviceId: string | null = null;
  /** When the Connect was accepted (ms); orders competing sessions of one node. */
  connectedAt = 0;
  lastMessageAt: number;

  /** Fixed one-second window of the per-socket message rate limit. */
  windowStart = 0;
  windowCount = 0;
  /** Consecutive windows over the limit; sustained flooding closes the socket. */
  floodStrikes = 0;

  /** Messages received while authenticating or connecting, processed in order afterwards. */
  queued: Array<{ data: Buffer; isBinary: boolean }> | null = null;

  /** The update types this socket receives (set at Connect from its `updates` or the role's defaults). */
  updates: ReadonlySet<UpdateMessageType> = NO_UPDATES;
  /** When its snapshot began loading: pushes loaded before it are already in the snapshot. */
  snapshotStartedAt = 0;
  /** Unsent state updates, one per type (latest or merged), while the socket cannot take them. */
  pending: Map<UpdateMessageType, HeldUpdate> | null = null;
  /** Since when the send buffer has stayed over the hard bound (0: it has not). */
  backloggedSince = 0;
  /**
   * When a frame of each paced type last went out (ms, 0: never): EarningsUpdate, NodeUpdate.
   * Two numbers in the object rather than a map or record of its own per socket.
   */
  lastEarningsPushAt = 0;
  lastNodePushAt = 0;

  /** Owned by the node session service for role node: uptime, score, accrual state. */
  node: unknown = null;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly endpoint: EndpointSpec,
    readonly format: WireFormat,
    readonly ip: string,
    readonly openedAt: number,
  ) {
    this.lastMessageAt = openedAt;
  }

  lastPushAt(period: PushPeriod): number {
    return period === 'earnings' ? this.lastEarningsPushAt : this.lastNodePushAt;
  }

  markPushed(period: PushPeriod, now: number): void {
    if (period === 'earnings') this.lastEarningsPushAt = now;
    else this.lastNodePushAt = now;
  }

  get userId(): number {
    return this.auth!.userId;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** A getter rather than a comparison, so checks after an await are not narrowed away. */
  get isClosed(): boolean {
    return this.state === 'closed';
  }
}
