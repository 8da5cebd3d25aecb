import { InProcessEventBus } from '../bus/in-process-event-bus';
import { UserReadCache } from './user-read-cache';

describe('UserReadCache', () => {
  it('keeps a value until an event of its part, and only of its part', async () => {
    const bus = new InProcessEventBus();
    const cache = new UserReadCache(bus);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.read(1, 'earnings', load)).toBe(1);
    expect(await cache.read(1, 'earnings', load)).toBe(1);
    await bus.publishAfterCommit({ type: 'referral.changed', userIds: [1] });
    await bus.publishAfterCommit({ type: 'earnings.changed', userIds: [2] });
    expect(await cache.read(1, 'earnings', load)).toBe(1);
    await bus.publishAfterCommit({ type: 'earnings.changed', userIds: [1] });
    expect(await cache.read(1, 'earnings', load)).toBe(2);
    cache.onModuleDestroy();
  });

  it('does not keep a value loaded while an event made it stale', async () => {
    const bus = new InProcessEventBus();
    const cache = new UserReadCache(bus);
    let release!: (value: string) => void;
    const slow = cache.read(1, 'networks', () => new Promise<string>((resolve) => (release = resolve)));
    await bus.publishAfterCommit({ type: 'network.changed', userIds: [1] });
    release('before the change');
    expect(await slow).toBe('before the change');
    expect(await cache.read(1, 'networks', () => Promise.resolve('after'))).toBe('after');
    cache.onModuleDestroy();
  });

  it('lets go of a user, and of its bus subscription, once nothing valid is cached', async () => {
    const bus = new InProcessEventBus();
    const cache = new UserReadCache(bus);
    await cache.read(1, 'earnings', () => Promise.resolve(1), Date.now() + 1_000);
    expect(bus.subscribedUserCount()).toBe(1);
    cache.releaseIdle(Date.now());
    expect(bus.subscribedUserCount()).toBe(1);
    cache.releaseIdle(Date.now() + 2_000);
    expect([bus.subscribedUserCount(), cache.stats().users]).toEqual([0, 0]);
    cache.onModuleDestroy();
  });

  it('trusts a value no longer than its validity', async () => {
    const cache = new UserReadCache(new InProcessEventBus());
    expect(await cache.read(1, 'earnings', () => Promise.resolve('old'), Date.now() - 1)).toBe('old');
    expect(await cache.read(1, 'earnings', () => Promise.resolve('new'))).toBe('new');
    cache.onModuleDestroy();
  });
});
