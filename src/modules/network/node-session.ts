import { NodeSessionInfo } from '../../infra/presence/node-registry';
import { fromCompactTime, toCompactTime } from '../../realtime/compact-time';

/**
 * A node socket's session, kept on its Connection (`Connection.node`): what the cluster registry
 * knows of it (NodeSessionInfo: the registry is handed this object) and the node's accrual and
 * round-trip state. One object per node socket rather than a registry record and a state record,
 * and its times stored as compact-time.ts keeps them (small integers inside the object rather than
 * a heap number each); the accessors read and write epoch milliseconds.
 */
export class NodeSession implements NodeSessionInfo {
  /** The node's score, 0–1 (see network-score.ts). */
  score = 1;
  /** Smoothed WebSocket ping round trip (ms; null until the first pong). */
  rttMs: number | null = null;
  private readonly startedAtCompact: number;
  private lastBeatAtCompact: number;
  private lastPingAtCompact = toCompactTime(0);
  private pingSentAtCompact = toCompactTime(0);

  constructor(
    readonly sessionId: string,
    readonly nodeId: number,
    readonly userId: number,
    readonly deviceId: string,
    readonly ip: string,
    startedAt: number,
    lastBeatAt: number,
  ) {
    this.startedAtCompact = toCompactTime(startedAt);
    this.lastBeatAtCompact = toCompactTime(lastBeatAt);
  }

  /** When its Connect was accepted (ms): earlier sessions of an IP earn first. */
  get startedAt(): number {
    return fromCompactTime(this.startedAtCompact);
  }

  /** The last heartbeat credited (ms). */
  get lastBeatAt(): number {
    return fromCompactTime(this.lastBeatAtCompact);
  }

  set lastBeatAt(ms: number) {
    this.lastBeatAtCompact = toCompactTime(ms);
  }

  /** When the last round-trip ping was due (ms; jittered, so not always when it was sent). */
  get lastPingAt(): number {
    return fromCompactTime(this.lastPingAtCompact);
  }

  set lastPingAt(ms: number) {
    this.lastPingAtCompact = toCompactTime(ms);
  }

  /** When the outstanding ping was sent (ms; 0: none outstanding). */
  get pingSentAt(): number {
    return fromCompactTime(this.pingSentAtCompact);
  }

  set pingSentAt(ms: number) {
    this.pingSentAtCompact = toCompactTime(ms);
  }
}
