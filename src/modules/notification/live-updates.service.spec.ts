import { DomainEvent } from '../../infra/bus/domain-event';
import { UpdateMessageType } from '../../realtime/protocol';
import { LiveUpdatesService } from './live-updates.service';

/** The push pass with its collaborators faked: which users' state it loads. */
function setUp(subscribed: (userId: number, type: UpdateMessageType) => boolean) {
  let deliver: (userId: number, event: DomainEvent) => void = () => undefined;
  const realtime = {
    onUserEvent: (listener: typeof deliver) => (deliver = listener),
    setSnapshotBuilder: () => undefined,
    hasSubscriber: subscribed,
    pushToUser: jest.fn(),
    onlineUserCount: 2,
    connectionsOf: () => new Set([{}]),
  };
  const earnings = {
    cachedSummaries: jest.fn((userIds: readonly number[]) => Promise.resolve(new Map(userIds.map((id) => [id, { total: String(id) }])))),
  };
  const config = { earnings: { pushMs: 3_600_000 } };
  const service = new LiveUpdatesService(realtime as never, earnings as never, {} as never, {} as never, config as never, {} as never, {} as never);
  service.onModuleInit();
  const push = (type: UpdateMessageType) => (service as unknown as { push(type: UpdateMessageType): Promise<void> }).push(type);
  return { service, realtime, earnings, push, changed: (userId: number) => deliver(userId, { type: 'earnings.changed', userIds: [userId] }) };
}

describe('LiveUpdatesService push pass', () => {
  it('loads EarningsUpdate state only for users with a socket taking it', async () => {
    // User 1 has a dashboard; user 2 only node sockets (NodeUpdate by default).
    const { service, realtime, earnings, push, changed } = setUp((userId, type) => userId === 1 && type === 'EarningsUpdate');
    changed(1);
    changed(2);
    await push('EarningsUpdate');
    expect(earnings.cachedSummaries).toHaveBeenCalledTimes(1);
    expect(earnings.cachedSummaries).toHaveBeenCalledWith([1]);
    expect(realtime.pushToUser).toHaveBeenCalledTimes(1);
    expect(realtime.pushToUser.mock.calls[0][0]).toBe(1);
    service.onModuleDestroy();
  });

  it('loads the next chunk while pushing this one, and retries every user when a load fails', async () => {
    const { service, realtime, earnings, push, changed } = setUp(() => true);
    const users = Array.from({ length: 2_400 }, (_, i) => i + 1);
    for (const userId of users) changed(userId);
    // Chunks of 1,000: the second load starts before the first chunk is pushed; the third fails.
    earnings.cachedSummaries.mockImplementation((userIds: readonly number[]) => {
      if (userIds[0] === 2_001) return Promise.reject(new Error('database down'));
      return Promise.resolve(new Map(userIds.map((id) => [id, { total: String(id) }])));
    });
    realtime.pushToUser.mockImplementation(() => {
      if (realtime.pushToUser.mock.calls.length === 1) expect(earnings.cachedSummaries).toHaveBeenCalledTimes(2);
    });
    await push('EarningsUpdate');
    expect(earnings.cachedSummaries.mock.calls.map(([ids]) => ids[0])).toEqual([1, 1_001, 2_001]);
    expect(realtime.pushToUser).toHaveBeenCalledTimes(2_000);
    // Every user is dirty again; those already pushed get nothing new on the retry.
    earnings.cachedSummaries.mockImplementation((userIds: readonly number[]) => Promise.resolve(new Map(userIds.map((id) => [id, { total: String(id) }]))));
    await push('EarningsUpdate');
    expect(realtime.pushToUser).toHaveBeenCalledTimes(2_400);
    service.onModuleDestroy();
  });

  it('loads nothing when no socket of a dirty user takes the type', async () => {
    const { service, earnings, push, changed } = setUp(() => false);
    changed(2);
    await push('EarningsUpdate');
    expect(earnings.cachedSummaries).not.toHaveBeenCalled();
    service.onModuleDestroy();
  });
  it('runs a tick that fell during a pass as soon as the pass ends, not one interval later', async () => {
    const { service, realtime, earnings, push, changed } = setUp(() => true);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    earnings.cachedSummaries.mockImplementationOnce(async (userIds: readonly number[]) => {
      await held;
      return new Map(userIds.map((id) => [id, { total: String(id) }]));
    });
    changed(1);
    const first = push('EarningsUpdate');
    // User 2 changes while the pass for user 1 is loading; the timer fires and finds it running.
    changed(2);
    await push('EarningsUpdate');
    expect(earnings.cachedSummaries).toHaveBeenCalledTimes(1);
    const pushedToTwo = new Promise<void>((resolve) => realtime.pushToUser.mockImplementation((userId: number) => userId === 2 && resolve()));
    release();
    await first;
    // The deferred pass started when the first ended (its load is called before its first await).
    expect(earnings.cachedSummaries).toHaveBeenCalledTimes(2);
    expect(earnings.cachedSummaries).toHaveBeenLastCalledWith([2]);
    await pushedToTwo;
    service.onModuleDestroy();
  });

  it('does not rerun at once after a failed pass: the timer keeps the pace against a database that is down', async () => {
    const { service, earnings, push, changed } = setUp(() => true);
    let fail!: (error: Error) => void;
    earnings.cachedSummaries.mockImplementationOnce(() => new Promise((_, reject) => (fail = reject)));
    changed(1);
    const first = push('EarningsUpdate');
    changed(2);
    await push('EarningsUpdate');
    fail(new Error('database down'));
    await first;
    expect(earnings.cachedSummaries).toHaveBeenCalledTimes(1);
    // Both users wait for the next tick, which loads them together.
    await push('EarningsUpdate');
    expect(earnings.cachedSummaries).toHaveBeenCalledTimes(2);
    expect([...earnings.cachedSummaries.mock.calls[1][0]].sort()).toEqual([1, 2]);
    service.onModuleDestroy();
  });
});
