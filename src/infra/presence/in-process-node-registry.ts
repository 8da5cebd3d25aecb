import { NodeRegistry, NodeSessionInfo } from './node-registry';

/** The registry of a single instance: every node session there is lives in this process. */
export class InProcessNodeRegistry extends NodeRegistry {
  /** Sessions per IP, in connection order. */
  private readonly byIp = new Map<string, NodeSessionInfo[]>();

  constructor(private readonly maxPerIp: number) {
    super();
  }

  register(session: NodeSessionInfo): void {
    if (this.maxPerIp === 0) return;
    const sessions = this.byIp.get(session.ip) ?? [];
    sessions.push(session);
    sessions.sort(byConnectionOrder);
    this.byIp.set(session.ip, sessions);
  }

  unregister(session: NodeSessionInfo): void {
    const sessions = this.byIp.get(session.ip);
    if (sessions === undefined) return;
    const index = sessions.findIndex((entry) => entry.sessionId === session.sessionId);
    if (index >= 0) sessions.splice(index, 1);
    if (sessions.length === 0) this.byIp.delete(session.ip);
  }

  allows(session: NodeSessionInfo): boolean {
    if (this.maxPerIp === 0) return true;
    const sessions = this.byIp.get(session.ip);
    if (sessions === undefined) return false;
    for (let i = 0; i < sessions.length && i < this.maxPerIp; i++) {
      if (sessions[i]!.sessionId === session.sessionId) return true;
    }
    return false;
  }

  reapDeadInstances(): Promise<NodeSessionInfo[]> {
    return Promise.resolve([]);
  }

  replacedSessions(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

export function byConnectionOrder(a: { startedAt: number; sessionId: string }, b: { startedAt: number; sessionId: string }): number {
  return a.startedAt - b.startedAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);
}
