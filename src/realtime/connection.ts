import type { WebSocket } from 'ws';
import { AuthUser } from '../modules/auth/auth-user';
import { EncodedFrame, WireFormat } from './codec';
import { fromCompactTime, toCompactTime } from './compact-time';
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
 * Per-socket state, one small object per connection, which its socket (a CoreWebSocket,
 * socket-connection.ts) hands to the core's handlers with each event: no closures per socket. Fields are public for the core's hot path; only the core and the
 * node session service write them.
 */
export class Connection {
  state: ConnectionState = 'authenticating';
  auth: AuthUser | null = null;
  role: Role | null = null;
  deviceId: string | null = null;

  /** Messages in the current one-second window of the per-socket rate limit. */
  windowCount = 0;
  /** Consecutive windows over the limit; sustained flooding closes the socket. */
  floodStrikes = 0;

  /** Messages received while authenticating or connecting, processed in order afterwards. */
  queued: Array<{ data: Buffer; isBinary: boolean }> | null = null;

  /** The update types this socket receives (set at Connect from its `updates` or the role's defaults). */
  updates: ReadonlySet<UpdateMessageType> = NO_UPDATES;
  /** Unsent state updates, one per type (latest or merged), while the socket cannot take them. */
  pending: Map<UpdateMessageType, HeldUpdate> | null = null;

  /** Owned by the node session service for role node: uptime, score, accrual state. */
  node: unknown = null;

  // Times as compact-time.ts keeps them (small integers, not a heap number each); the accessors
  // below read and write epoch milliseconds.
  private readonly openedAtCompact: number;
  private lastMessageAtCompact: number;
  private connectedAtCompact = toCompactTime(0);
  private windowStartCompact = toCompactTime(0);
  private snapshotStartedAtCompact = toCompactTime(0);
  private backloggedSinceCompact = toCompactTime(0);
  /** When a frame of each paced type last went out: EarningsUpdate, NodeUpdate. */
  private earningsPushedAtCompact = toCompactTime(0);
  private nodePushedAtCompact = toCompactTime(0);

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly endpoint: EndpointSpec,
    readonly format: WireFormat,
    readonly ip: string,
    openedAt: number,
  ) {
    this.openedAtCompact = toCompactTime(openedAt);
    this.lastMessageAtCompact = this.openedAtCompact;
  }

  /** When the socket was accepted (ms). */
  get openedAt(): number {
    return fromCompactTime(this.openedAtCompact);
  }

  get lastMessageAt(): number {
    return fromCompactTime(this.lastMessageAtCompact);
  }

  set lastMessageAt(ms: number) {
    this.lastMessageAtCompact = toCompactTime(ms);
  }

  /** When the Connect was accepted (ms); orders competing sessions of one node. */
  get connectedAt(): number {
    return fromCompactTime(this.connectedAtCompact);
  }

  set connectedAt(ms: number) {
    this.connectedAtCompact = toCompactTime(ms);
  }

  /** Start of the current one-second rate-limit window (ms; 0: none yet). */
  get windowStart(): number {
    return fromCompactTime(this.windowStartCompact);
  }

  set windowStart(ms: number) {
    this.windowStartCompact = toCompactTime(ms);
  }

  /** When its snapshot began loading (Infinity: not yet): pushes loaded before it are already in the snapshot. */
  get snapshotStartedAt(): number {
    return fromCompactTime(this.snapshotStartedAtCompact);
  }

  set snapshotStartedAt(ms: number) {
    this.snapshotStartedAtCompact = toCompactTime(ms);
  }

  /** Since when the send buffer has stayed over the hard bound (0: it has not). */
  get backloggedSince(): number {
    return fromCompactTime(this.backloggedSinceCompact);
  }

  set backloggedSince(ms: number) {
    this.backloggedSinceCompact = toCompactTime(ms);
  }

  /** When a frame of a paced type last went out (ms, 0: never). */
  lastPushAt(period: PushPeriod): number {
    return fromCompactTime(period === 'earnings' ? this.earningsPushedAtCompact : this.nodePushedAtCompact);
  }

  markPushed(period: PushPeriod, now: number): void {
    if (period === 'earnings') this.earningsPushedAtCompact = toCompactTime(now);
    else this.nodePushedAtCompact = toCompactTime(now);
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
