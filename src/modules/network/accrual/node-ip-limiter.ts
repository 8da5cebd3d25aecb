/**
 * MAX_EARNING_NODES_PER_IP: of the nodes connected from one IP (across all users), the first N
 * by connection time earn; later ones stay connected but score 0 until an earlier one leaves.
 * This is the in-process adapter (one instance); `allows` is synchronous because it runs on the
 * heartbeat path.
 */
export abstract class NodeIpLimiter {
  abstract add(ip: string, sessionId: string, connectedAt: number): void;
  abstract remove(ip: string, sessionId: string): void;
  /** Whether this session is among the first N of its IP right now. */
  abstract allows(ip: string, sessionId: string): boolean;
}

export class InProcessNodeIpLimiter extends NodeIpLimiter {
  /** Sessions per IP, in connection order. */
  private readonly byIp = new Map<string, Array<{ sessionId: string; connectedAt: number }>>();

  constructor(private readonly maxPerIp: number) {
    super();
  }

  add(ip: string, sessionId: string, connectedAt: number): void {
    if (this.maxPerIp === 0) return;
    const sessions = this.byIp.get(ip) ?? [];
    sessions.push({ sessionId, connectedAt });
    sessions.sort((a, b) => a.connectedAt - b.connectedAt || (a.sessionId < b.sessionId ? -1 : 1));
    this.byIp.set(ip, sessions);
  }

  remove(ip: string, sessionId: string): void {
    const sessions = this.byIp.get(ip);
    if (sessions === undefined) return;
    const index = sessions.findIndex((session) => session.sessionId === sessionId);
    if (index >= 0) sessions.splice(index, 1);
    if (sessions.length === 0) this.byIp.delete(ip);
  }

  allows(ip: string, sessionId: string): boolean {
    if (this.maxPerIp === 0) return true;
    const sessions = this.byIp.get(ip);
    if (sessions === undefined) return false;
    for (let i = 0; i < sessions.length && i < this.maxPerIp; i++) {
      if (sessions[i]!.sessionId === sessionId) return true;
    }
    return false;
  }
}
