import { DomainEvent } from '../../src/infra/bus/domain-event';
import { EventBus } from '../../src/infra/bus/event-bus';
import { RedisEventBus } from '../../src/infra/bus/redis-event-bus';
import { RedisCache } from '../../src/infra/cache/redis-cache';
import { RedisRateLimitStore } from '../../src/infra/rate-limit/redis-rate-limit-store';
import { RedisClients } from '../../src/infra/redis/redis-clients';
import { api, registerUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestRedisNamespace, TestRedisNamespace } from '../support/test-redis';
import { waitUntil } from '../support/wait';

describe('Redis adapters', () => {
  let namespace: TestRedisNamespace;
  let a: RedisClients;
  let b: RedisClients;

  beforeAll(async () => {
    namespace = createTestRedisNamespace('adapters');
    a = new RedisClients(namespace.url, namespace.keyPrefix);
    b = new RedisClients(namespace.url, namespace.keyPrefix);
    await Promise.all([a.waitUntilReady(60_000), b.waitUntilReady(60_000)]);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await namespace.clear();
  });

  it('delivers a user’s events to the instances subscribed to that user only', async () => {
    const busA = new RedisEventBus(a);
    const busB = new RedisEventBus(b);
    const onA: DomainEvent[] = [];
    const onB: DomainEvent[] = [];
    const stopA = busA.subscribeUser(1, (event) => onA.push(event));
    const stopB = busB.subscribeUser(2, (event) => onB.push(event));
    await waitUntil(async () => (await a.command.pubsub('NUMSUB', `${namespace.keyPrefix}user:2`))[1] === 1);
    await waitUntil(async () => (await a.command.pubsub('NUMSUB', `${namespace.keyPrefix}user:1`))[1] === 1);

    await busB.publish({ type: 'earnings.changed', userIds: [1, 2, 3] });
    await waitUntil(() => onA.length === 1 && onB.length === 1);
    expect(onA).toEqual([{ type: 'earnings.changed', userIds: [1] }]);
    expect(onB).toEqual([{ type: 'earnings.changed', userIds: [2] }]);
    stopA();
    stopB();
  });

  it('sends the events published in one tick as one pipeline, in order, each settling on its own', async () => {
    const busA = new RedisEventBus(a);
    const busB = new RedisEventBus(b);
    const got: DomainEvent[] = [];
    const stop = busA.subscribeUser(7, (event) => got.push(event));
    await waitUntil(async () => (await a.command.pubsub('NUMSUB', `${namespace.keyPrefix}user:7`))[1] === 1);
    const pipelines = jest.spyOn(b.command, 'pipeline');
    try {
      await Promise.all([
        busB.publish({ type: 'network.changed', userIds: [7] }),
        busB.publish({ type: 'earnings.changed', userIds: [7, 8] }),
        busB.publish({ type: 'referral.changed', userIds: [7] }),
      ]);
      expect(pipelines).toHaveBeenCalledTimes(1);
    } finally {
      pipelines.mockRestore();
    }
    await waitUntil(() => got.length === 3);
    expect(got.map((event) => event.type)).toEqual(['network.changed', 'earnings.changed', 'referral.changed']);
    stop();
  });

  it('reference-counts subscriptions: the channel goes when the last handler goes', async () => {
    const bus = new RedisEventBus(a);
    const channel = `${namespace.keyPrefix}user:42`;
    const subscribers = async () => (await b.command.pubsub('NUMSUB', channel))[1] as number;
    const first = bus.subscribeUser(42, () => undefined);
    const second = bus.subscribeUser(42, () => undefined);
    await waitUntil(async () => (await subscribers()) === 1);
    expect(bus.subscribedUserCount()).toBe(1);
    first();
    first(); // idempotent
    expect(bus.subscribedUserCount()).toBe(1);
    expect(await subscribers()).toBe(1);
    second();
    expect(bus.subscribedUserCount()).toBe(0);
    await waitUntil(async () => (await subscribers()) === 0);
  });

  it('gives each user’s channel that user’s part of a credit', async () => {
    const busA = new RedisEventBus(a);
    const busB = new RedisEventBus(b);
    const onA: DomainEvent[] = [];
    const stop = busA.subscribeUser(12, (event) => onA.push(event));
    await waitUntil(() => busA.isListening(12));
    const credit = { tx: 901, at: 1_000, bucket: 0, epoch: 0 };
    await busB.publish({ type: 'earnings.changed', userIds: [11, 12, 13], credit: { ...credit, amounts: [1, 2, 3, 4, 5, 6] } });
    await waitUntil(() => onA.length === 1);
    expect(onA).toEqual([{ type: 'earnings.changed', userIds: [12], credit: { ...credit, amounts: [3, 4] } }]);
    stop();
  });

  it('listens to a user once Redis has confirmed the subscription; a dropped subscriber connection is a delivery gap, reported again when it is back', async () => {
    const clients = new RedisClients(namespace.url, namespace.keyPrefix);
    await clients.waitUntilReady(60_000);
    try {
      const bus = new RedisEventBus(clients);
      let gaps = 0;
      bus.onDeliveryGap(() => (gaps += 1));
      const stop = bus.subscribeUser(21, () => undefined);
      // SUBSCRIBE is on its way, not yet confirmed: an event published now might not reach this instance.
      expect(bus.isListening(21)).toBe(false);
      await waitUntil(() => bus.isListening(21));
      expect(bus.isListening(22)).toBe(false);

      const closed = new Promise((resolve) => clients.subscriber.once('close', resolve));
      clients.subscriber.disconnect(true);
      await closed;
      expect(gaps).toBe(1);
      expect(bus.isListening(21)).toBe(false);
      await waitUntil(() => bus.isListening(21));
      expect(gaps).toBe(2);
      stop();
      expect(bus.isListening(21)).toBe(false);
    } finally {
      await clients.close();
    }
  });

  it('ignores malformed messages on a user channel', async () => {
    const bus = new RedisEventBus(a);
    const seen: DomainEvent[] = [];
    const stop = bus.subscribeUser(7, (event) => seen.push(event));
    const channel = `${namespace.keyPrefix}user:7`;
    await waitUntil(async () => (await b.command.pubsub('NUMSUB', channel))[1] === 1);
    await b.command.publish(channel, 'not json');
    await b.command.publish(channel, JSON.stringify({ type: 'x', userIds: 'nope' }));
    await b.command.publish(channel, JSON.stringify({ type: 'network.changed', userIds: [7] }));
    await waitUntil(() => seen.length === 1);
    expect(seen).toEqual([{ type: 'network.changed', userIds: [7] }]);
    stop();
  });

  it('counts rate-limit hits across instances in fixed windows', async () => {
    const storeA = new RedisRateLimitStore(a);
    const storeB = new RedisRateLimitStore(b);
    expect(await storeA.peek('k1')).toEqual({ count: 0, resetInMs: 0 });
    expect((await storeA.hit('k1', 60_000)).count).toBe(1);
    const second = await storeB.hit('k1', 60_000);
    expect(second.count).toBe(2);
    // The window started at the first hit, a round trip or two ago (however slow the machine).
    expect(second.resetInMs).toBeGreaterThan(30_000);
    expect(second.resetInMs).toBeLessThanOrEqual(60_000);
    expect((await storeB.peek('k1')).count).toBe(2);
    await storeA.reset('k1');
    expect((await storeB.peek('k1')).count).toBe(0);
  });

  it('shares a cache with expiry', async () => {
    const cacheA = new RedisCache(a);
    const cacheB = new RedisCache(b);
    await cacheA.set('greeting', { hello: 'world' }, 60_000);
    expect(await cacheB.get('greeting')).toEqual({ hello: 'world' });
    await cacheB.delete('greeting');
    expect(await cacheA.get('greeting')).toBeUndefined();
    await cacheA.set('short', 1, 1);
    await waitUntil(async () => (await cacheB.get('short')) === undefined);
  });
});

describe('the service with Redis', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    const env = { AUTH_REQUESTS_PER_MINUTE: '6' };
    first = await startTestApp({ label: 'with_redis', redis: true, env });
    second = await startTestApp({ label: 'with_redis', env, database: first.database, redisNamespace: first.redis! });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('reports Redis in readiness', async () => {
    const ready = await fetch(`${first.url}/health/ready`).then((response) => response.json());
    expect(ready).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
  });

  it('enforces auth limits across instances', async () => {
    const user = await registerUser(first); // 1
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const target = i % 2 === 0 ? second : first;
      statuses.push((await api(target, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('delivers domain events of one instance to subscribers on the other', async () => {
    const userId = 123_456;
    const seen: DomainEvent[] = [];
    const stop = second.server.app.get(EventBus).subscribeUser(userId, (event) => seen.push(event));
    // Published until it arrives: the subscription reaches Redis asynchronously.
    await waitUntil(
      async () => {
        await first.server.app.get(EventBus).publish({ type: 'network.changed', userIds: [userId] });
        return seen.length > 0;
      },
      { intervalMs: 50 },
    );
    stop();
    expect(seen[0]).toEqual({ type: 'network.changed', userIds: [userId] });
  });
});
