import { NodeSessionInfo } from '../../src/infra/presence/node-registry';
import { RedisNodeRegistry } from '../../src/infra/presence/redis-node-registry';
import { RedisClients } from '../../src/infra/redis/redis-clients';
import { PrivateRedis } from '../support/private-redis';
import { createTestRedisNamespace, TestRedisNamespace } from '../support/test-redis';
import { waitUntil } from '../support/wait';

const session = (sessionId: string, ip: string, startedAt: number, deviceId = sessionId): NodeSessionInfo => ({
  sessionId,
  ip,
  startedAt,
  deviceId,
  nodeId: startedAt,
  userId: 7,
});

describe('RedisNodeRegistry', () => {
  let namespace: TestRedisNamespace;
  const clients: RedisClients[] = [];
  const registries: RedisNodeRegistry[] = [];

  function instance(id: string, maxPerIp = 2, url?: string) {
    const redis = new RedisClients(url ?? namespace.url, namespace.keyPrefix);
    const registry = new RedisNodeRegistry(redis, id, maxPerIp, { refreshMs: 100, deadAfterMs: 500 });
    clients.push(redis);
    registries.push(registry);
    registry.onModuleInit();
    return { redis, registry };
  }

  beforeEach(() => {
    namespace = createTestRedisNamespace('registry');
  });
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.onModuleDestroy();
    for (const redis of clients.splice(0)) await redis.close();
    await namespace.clear();
  });

  it('applies MAX_EARNING_NODES_PER_IP across instances, in connection order', async () => {
    const a = instance('A').registry;
    const b = instance('B').registry;
    const [s1, s2, s3] = [session('s1', '9.9.9.9', 1), session('s2', '9.9.9.9', 2), session('s3', '9.9.9.9', 3)];
    a.register(s1);
    b.register(s3);
    b.register(s2);
    await waitUntil(() => a.allows(s1) && b.allows(s2));
    expect(b.allows(s3)).toBe(false);
    // The first one leaves: the third is promoted (within a refresh on the other instance).
    a.unregister(s1);
    await waitUntil(() => b.allows(s3));
  });

  it('reaps the sessions of an instance that stopped refreshing, not of live ones', async () => {
    const dying = instance('dying').registry;
    const live = instance('live').registry;
    const reaper = instance('reaper').registry;
    dying.register(session('d1', '1.1.1.1', 1));
    dying.register(session('d2', '1.1.1.2', 2));
    live.register(session('l1', '1.1.1.3', 3));
    await waitUntil(async () => (await reaper.reapDeadInstances()).length === 0 && dying.allows(session('d1', '1.1.1.1', 1)));
    // Crash: the dying instance stops refreshing without cleaning up (its private timer stops).
    clearInterval((dying as unknown as { timer: NodeJS.Timeout }).timer);
    let reaped: NodeSessionInfo[] = [];
    await waitUntil(async () => {
      reaped = await reaper.reapDeadInstances();
      return reaped.length > 0;
    });
    expect(reaped.map((s) => s.sessionId).sort()).toEqual(['d1', 'd2']);
    expect(reaped[0]).toMatchObject({ userId: 7, deviceId: expect.any(String), ip: expect.stringMatching(/^1\.1\.1\./) });
    expect(await reaper.reapDeadInstances()).toEqual([]);
  });

  it('tells a session that another session took its device', async () => {
    const a = instance('A').registry;
    const b = instance('B').registry;
    a.register(session('old', '2.2.2.2', 1, 'phone'));
    await waitUntil(async () => (await a.replacedSessions()).length === 0);
    b.register(session('new', '2.2.2.3', 2, 'phone'));
    await waitUntil(async () => (await a.replacedSessions()).includes('old'));
    expect(await b.replacedSessions()).toEqual([]);
  });

  it('writes its sessions back after Redis restarts empty', async () => {
    const redisServer = await PrivateRedis.start();
    try {
      const { registry, redis } = instance('A', 1, redisServer.url);
      const s1 = session('s1', '3.3.3.3', 1);
      registry.register(s1);
      await waitUntil(() => registry.allows(s1));
      await redisServer.stop();
      await redisServer.start();
      await waitUntil(async () => (await redis.command.zcard(`${namespace.keyPrefix}ipnodes:3.3.3.3`).catch(() => 0)) === 1, {
        timeoutMs: 15_000,
      });
      // The restarted Redis knows the session again, so a newer one from that IP does not earn.
      const other = instance('B', 1, redisServer.url).registry;
      const s2 = session('s2', '3.3.3.3', 2);
      other.register(s2);
      await waitUntil(async () => (await redis.command.zcard(`${namespace.keyPrefix}ipnodes:3.3.3.3`)) === 2);
      expect(other.allows(s2)).toBe(false);
    } finally {
      for (const registry of registries.splice(0)) await registry.onModuleDestroy();
      for (const redis of clients.splice(0)) await redis.close();
      await redisServer.stop();
    }
  });
});
