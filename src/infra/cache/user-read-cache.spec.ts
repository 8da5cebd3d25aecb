import { DomainEvent } from '../bus/domain-event';
import { InProcessEventBus } from '../bus/in-process-event-bus';
import { Based, UserReadCache } from './user-read-cache';

/** A bus that can say it is not (yet) listening to users, and report a gap. */
class TestBus extends InProcessEventBus {
  listening = true;
  override isListening(): boolean {
    return this.listening;
  }
  gap(): void {
    this.reportDeliveryGap();
  }
}

/** An updater for counters: an event's `credit.amounts[0]` is added, unless the basis lists its tx. */
const addCredit = (cached: Based<unknown>, event: DomainEvent): Based<unknown> | 'held' | undefined => {
  if (event.type !== 'earnings.changed' || event.credit === undefined) return undefined;
  const seen = cached.basis as number[];
  if (seen.includes(event.credit.tx)) return 'held';
  return { value: (cached.value as number) + event.credit.amounts[0]!, basis: [...seen, event.credit.tx] };
};
const credited = (userId: number, tx: number, amount: number): DomainEvent => ({
  type: 'earnings.changed',
  userIds: [userId],
  credit: { tx, at: 0, bucket: 0, epoch: 0, amounts: [amount, 0] },
});

/** A loader per user that answers `user <id>`, and the users it was called for, in order. */
const userLoads = () => {
  const loads: number[] = [];
  const load = (userId: number) => () => {
    loads.push(userId);
    return Promise.resolve(`user ${userId}`);
  };
  return { loads, load };
};

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

  it('brings a value up to date with an event its updater takes, and drops it for one it does not', async () => {
    const bus = new TestBus();
    const cache = new UserReadCache(bus);
    cache.setUpdater('earnings', addCredit);
    let loads = 0;
    const load = () => Promise.resolve({ value: 100 + ++loads * 1_000, basis: [7] });
    expect(await cache.readBased(1, 'earnings', load)).toBe(1_100);
    await bus.publishAfterCommit(credited(1, 8, 5));
    await bus.publishAfterCommit(credited(1, 7, 5)); // held: the read included tx 7
    expect(await cache.readBased(1, 'earnings', load)).toBe(1_105);
    await bus.publishAfterCommit({ type: 'earnings.changed', userIds: [1] });
    expect(await cache.readBased(1, 'earnings', load)).toBe(2_100);
    expect(loads).toBe(2);
    cache.onModuleDestroy();
  });

  it('reads many users at once: the cached ones from memory, the rest in one load', async () => {
    const cache = new UserReadCache(new TestBus());
    await cache.read(1, 'earnings', () => Promise.resolve('one'));
    const loads: number[][] = [];
    const values = await cache.readMany([1, 2, 3], 'earnings', (userIds) => {
      loads.push([...userIds]);
      return Promise.resolve(new Map(userIds.filter((id) => id !== 3).map((id) => [id, { value: `user ${id}`, basis: undefined }])));
    });
    expect(loads).toEqual([[2, 3]]);
    expect([...values]).toEqual([
      [1, 'one'],
      [2, 'user 2'],
    ]);
    expect(await cache.read(2, 'earnings', () => Promise.resolve('again'))).toBe('user 2');
    cache.onModuleDestroy();
  });

  it('does not build on a value read while the bus was not yet listening to the user: the next event drops it', async () => {
    const bus = new TestBus();
    const cache = new UserReadCache(bus);
    cache.setUpdater('earnings', addCredit);
    bus.listening = false;
    expect(await cache.readBased(1, 'earnings', () => Promise.resolve({ value: 10, basis: [] }))).toBe(10);
    bus.listening = true;
    await bus.publishAfterCommit(credited(1, 9, 5));
    expect(await cache.readBased(1, 'earnings', () => Promise.resolve({ value: 15, basis: [9] }))).toBe(15);
    cache.onModuleDestroy();
  });

  it('drops every value on a delivery gap (events may have been lost)', async () => {
    const bus = new TestBus();
    const cache = new UserReadCache(bus);
    await cache.read(1, 'earnings', () => Promise.resolve('before'));
    await cache.read(2, 'networks', () => Promise.resolve('before'));
    bus.gap();
    expect(await cache.read(1, 'earnings', () => Promise.resolve('after'))).toBe('after');
    expect(await cache.read(2, 'networks', () => Promise.resolve('after'))).toBe('after');
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

  it('keeps at most its bound of users: the first filled goes, with its subscription, and is read again when asked for', async () => {
    const bus = new InProcessEventBus();
    const cache = new UserReadCache(bus, 2);
    const { loads, load } = userLoads();
    await cache.read(1, 'earnings', load(1));
    await cache.read(2, 'earnings', load(2));
    await cache.read(3, 'earnings', load(3));
    expect([cache.stats().users, bus.subscribedUserCount()]).toEqual([2, 2]);
    await cache.read(2, 'earnings', load(2));
    await cache.read(3, 'earnings', load(3));
    expect(loads).toEqual([1, 2, 3]);
    expect(await cache.read(1, 'earnings', load(1))).toBe('user 1');
    expect(loads).toEqual([1, 2, 3, 1]);
    cache.onModuleDestroy();
  });

  it('makes room by second chance: a user read since the last eviction stays, one read once goes', async () => {
    const bus = new InProcessEventBus();
    const cache = new UserReadCache(bus, 3);
    const { loads, load } = userLoads();
    for (const userId of [1, 2, 3]) await cache.read(userId, 'earnings', load(userId));
    // 1 and 3 are dashboards, read again on every push pass; 2, 4 and 5 are one-off reads.
    const pushPass = () => cache.readMany([1, 3], 'earnings', () => Promise.reject(new Error('all cached')));
    await pushPass();
    await cache.read(4, 'earnings', load(4));
    await pushPass();
    await cache.read(5, 'earnings', load(5));
    // 2 went for 4 (oldest, not read since), then 4 for 5; taking the oldest would have let 1 go.
    expect(cache.peek(1, 'earnings')).toBe('user 1');
    expect(cache.peek(3, 'earnings')).toBe('user 3');
    expect(cache.peek(5, 'earnings')).toBe('user 5');
    expect([cache.peek(2, 'earnings'), cache.peek(4, 'earnings')]).toEqual([undefined, undefined]);
    expect([cache.stats().users, bus.subscribedUserCount()]).toEqual([3, 3]);
    expect(loads).toEqual([1, 2, 3, 4, 5]);
    cache.onModuleDestroy();
  });

  it('trusts a value no longer than its validity', async () => {
    const cache = new UserReadCache(new InProcessEventBus());
    expect(await cache.read(1, 'earnings', () => Promise.resolve('old'), Date.now() - 1)).toBe('old');
    expect(await cache.read(1, 'earnings', () => Promise.resolve('new'))).toBe('new');
    cache.onModuleDestroy();
  });
});
