import type { WebSocket } from 'ws';
import { AuthUser } from '../modules/auth/auth-user';
import { EncodedFrame, WireFormat } from './codec';
import { EndpointSpec } from './endpoint';
import { Role, UpdateMessageType } from './protocol';

export type ConnectionState = 'authenticating' | 'awaiting-connect' | 'connecting' | 'open' | 'closed';

/**
 * Per-socket state, one small object per connection (the realtime core keeps no closures per
 * socket beyond the three ws listeners). Fields are public for the core's hot path; only the core
 * and the node session service write them.
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

  /** Unsent state updates, latest per type, while the socket's send buffer is full. */
  pending: Map<UpdateMessageType, EncodedFrame> | null = null;
  /** Since when the send buffer has stayed over the hard bound (0: it has not). */
  backloggedSince = 0;
  lastEarningsPushAt = 0;

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
