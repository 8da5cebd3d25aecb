import { InProcessNodeRegistry } from './in-process-node-registry';

const session = (sessionId: string, ip: string, startedAt: number) => ({ sessionId, ip, startedAt, nodeId: 1, userId: 1, deviceId: sessionId });

describe('InProcessNodeRegistry', () => {
  it('lets the first N nodes of an IP earn and promotes the next when one leaves', () => {
    const registry = new InProcessNodeRegistry(2);
    const [a, b, c, d] = [session('a', '1.2.3.4', 1), session('b', '1.2.3.4', 2), session('c', '1.2.3.4', 3), session('d', '5.6.7.8', 4)];
    for (const s of [c, a, b, d]) registry.register(s);
    expect([a, b, c].map((s) => registry.allows(s))).toEqual([true, true, false]);
    expect(registry.allows(d)).toBe(true);
    registry.unregister(a);
    expect([b, c].map((s) => registry.allows(s))).toEqual([true, true]);
  });

  it('allows everything when the limit is 0 (no limit)', () => {
    const registry = new InProcessNodeRegistry(0);
    const a = session('a', '1.2.3.4', 1);
    registry.register(a);
    expect(registry.allows(a)).toBe(true);
    expect(registry.allows(session('unknown', '1.2.3.4', 2))).toBe(true);
  });
});
