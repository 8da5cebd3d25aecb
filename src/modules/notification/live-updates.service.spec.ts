import { DomainEvent } from '../../infra/bus/domain-event';
import { UpdateMessageType } from '../../realtime/protocol';
import { LiveUpdatesService } from './live-updates.service';
import { PassPacer } from './pass-pacer';

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
  const pacers = (service as unknown as { pacers: Map<UpdateMessageType, PassPacer> }).pacers;
  // The tests run the passes themselves (PassPacer's spec covers when they run).
  const stopPacing = () => pacers.forEach((pacer) => pacer.stop());
  const push = (type: UpdateMessageType) => (service as unknown as { push(type: UpdateMessageType): Promise<void> }).push(type);
  return { service, realtime, earnings, push, stopPacing, changed: (userId: number) => deliver(userId, { type: 'earnings.changed', userIds: [userId] }) };
}

describe('LiveUpdatesService push pass', () => {
  it('pushes a change at once: a pass is paced, not waiting for a timer', async () => {
    const { service, realtime, changed } = setUp((userId, type) => userId === 1 && type === 'EarningsUpdate');
    const pushed = new Promise<number>((resolve) => realtime.pushToUser.mockImplementation((userId: number) => resolve(userId)));
    // The interval is an hour: only a pass started by the change itself can push it.
    changed(1);
    expect(await pushed).toBe(1);
    service.onModuleDestroy();
  });

  it('loads EarningsUpdate state only for users with a socket taking it', async () => {
    // User 1 has a dashboard; user 2 only node sockets (NodeUpdate by default).
    const { service, realtime, earnings, push, changed, stopPacing } = setUp((userId, type) => userId === 1 && type === 'EarningsUpdate');
    stopPacing();
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
    const { service, realtime, earnings, push, changed, stopPacing } = setUp(() => true);
    stopPacing();
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
    const { service, earnings, push, changed, stopPacing } = setUp(() => false);
    stopPacing();
    changed(2);
    await push('EarningsUpdate');
    expect(earnings.cachedSummaries).not.toHaveBeenCalled();
    service.onModuleDestroy();
  });
});
