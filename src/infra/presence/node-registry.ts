/** A live node session, as the cluster-wide registry knows it. */
export interface NodeSessionInfo {
  readonly sessionId: string;
  readonly nodeId: number;
  readonly userId: number;
  readonly deviceId: string;
  readonly ip: string;
  /** When its Connect was accepted (ms): earlier sessions of an IP earn first. */
  readonly startedAt: number;
}

/**
 * Where node sessions are, cluster-wide: for MAX_EARNING_NODES_PER_IP (of the nodes connected
 * from one IP, across users and instances, the first N by connection time earn; later ones stay
 * connected at score 0 until an earlier one leaves) and for presence (nodes left "connected" by an
 * instance that died are found and marked offline).
 *
 * `allows` runs on the heartbeat path, so it answers from memory; adapters keep that memory fresh.
 */
export abstract class NodeRegistry {
  abstract register(session: NodeSessionInfo): void;
  abstract unregister(session: NodeSessionInfo): void;
  /** Whether this session is among the first N of its IP right now. */
  abstract allows(session: NodeSessionInfo): boolean;
  /**
   * Sessions of instances that stopped without saying so (crash, SIGKILL), removed from the
   * registry; their nodes should be marked offline. Empty for a single instance.
   */
  abstract reapDeadInstances(): Promise<NodeSessionInfo[]>;
  /**
   * Sessions of this instance whose device another session now owns (replaced on another
   * instance while the replacement event was missed). Empty for a single instance.
   */
  abstract replacedSessions(): Promise<string[]>;
}
