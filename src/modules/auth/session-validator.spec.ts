import { loadConfig } from '../../config/load-config';
import { DomainEvent } from '../../infra/bus/domain-event';
import { InProcessEventBus } from '../../infra/bus/in-process-event-bus';
import { InProcessCache } from '../../infra/cache/in-process-cache';
import { AuthSessionRepository, SessionStatus } from './auth-session.repository';
import { SessionValidator } from './session-validator.service';

/** A bus that can be taken down, as Redis can; delivery stays in process. */
class FlakyBus extends InProcessEventBus {
  healthy = true;
  /** Whether the user channels' subscriptions are confirmed (by Redis, in production). */
  listening = true;
  override isHealthy(): boolean {
    return this.healthy;
  }
  override isListening(): boolean {
    return this.listening;
  }
  /** The subscriber connection dropped and came back between two health samples. */
  blip(): void {
    this.reportDeliveryGap();
  }
}

describe('SessionValidator', () => {
  const claims = { sub: 7, sid: 'session-a', role: 'user' } as const;
  let statuses: Map<string, SessionStatus>;
  let reads: number;
  let bus: FlakyBus;
  let validator: SessionValidator;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z') });
    statuses = new Map([['session-a', { userId: 7, email: 'a@example.com', active: true, expiresAt: new Date('2026-12-02T00:00:00Z') }]]);
    reads = 0;
    const repository = {
      status: (sessionId: string) => {
        reads += 1;
        return Promise.resolve(statuses.get(sessionId) ?? null);
      },
    } as unknown as AuthSessionRepository;
    bus = new FlakyBus();
    validator = new SessionValidator(repository, new InProcessCache(), loadConfig({}), bus);
  });
  afterEach(() => {
    validator.onModuleDestroy();
    jest.useRealTimers();
  });

  const revoke = () => statuses.set('session-a', { ...statuses.get('session-a')!, active: false });
  /** Past the subscription grace, with a status cached after it. */
  const settle = async () => {
    await validator.authenticate(claims);
    jest.advanceTimersByTime(1_100);
    await validator.authenticate(claims);
  };

  it('trusts a status for seconds while the bus brings revocations, and asks again after', async () => {
    await settle();
    const before = reads;
    jest.advanceTimersByTime(5_000);
    await validator.authenticate(claims);
    expect(reads).toBe(before);
    jest.advanceTimersByTime(6_000);
    await validator.authenticate(claims);
    expect(reads).toBe(before + 1);
  });

  it('hands the sockets of one session one AuthUser, also across reads of its status, and a new one after a revocation', async () => {
    const first = await validator.authenticate(claims);
    jest.advanceTimersByTime(600); // past the short local TTL: the status is read again
    const second = await validator.authenticate(claims);
    expect(reads).toBe(2);
    expect(second).toBe(first);
    expect(validator.authenticateLocally(claims)).toBe(first);
    await validator.invalidate(7, ['session-a']);
    const afterRevocation = await validator.authenticate(claims);
    expect(afterRevocation).not.toBe(first);
    expect(afterRevocation).toEqual(first);
  });

  it.each<[string, DomainEvent]>([
    ['a revocation', { type: 'session.revoked', userIds: [7], sessionIds: ['session-a'] }],
    ['a disable', { type: 'user.disabled', userIds: [7] }],
  ])('rejects the token at once after %s published by another instance', async (_case, event) => {
    await settle();
    revoke();
    await bus.publish(event);
    await expect(validator.authenticate(claims)).rejects.toMatchObject({ type: 'SessionExpired' });
  });

  it('ignores revocations of other sessions and users', async () => {
    await settle();
    const before = reads;
    await bus.publish({ type: 'session.revoked', userIds: [7], sessionIds: ['session-b'] });
    await bus.publish({ type: 'user.disabled', userIds: [8] });
    await validator.authenticate(claims);
    expect(reads).toBe(before);
  });

  it('trusts for half a second only while the bus is down, and for what was cached while it was', async () => {
    await settle();
    bus.healthy = false;
    jest.advanceTimersByTime(600);
    revoke();
    await expect(validator.authenticate(claims)).rejects.toMatchObject({ type: 'SessionExpired' });
    bus.healthy = true;
    statuses.set('session-a', { ...statuses.get('session-a')!, active: true });
    jest.advanceTimersByTime(600);
    await validator.authenticate(claims); // cached after the outage: trusted again
    const before = reads;
    jest.advanceTimersByTime(5_000);
    await validator.authenticate(claims);
    expect(reads).toBe(before);
  });

  it('trusts for half a second only a status cached before a blip too short for a health sample, or while the channel is unconfirmed', async () => {
    await settle();
    bus.blip();
    jest.advanceTimersByTime(600);
    revoke();
    await expect(validator.authenticate(claims)).rejects.toMatchObject({ type: 'SessionExpired' });

    statuses.set('session-a', { ...statuses.get('session-a')!, active: true });
    bus.listening = false;
    jest.advanceTimersByTime(600);
    await validator.authenticate(claims);
    revoke();
    jest.advanceTimersByTime(600);
    await expect(validator.authenticate(claims)).rejects.toMatchObject({ type: 'SessionExpired' });
  });

  it('publishes session.revoked for the sessions it is told of', async () => {
    const seen: DomainEvent[] = [];
    const unsubscribe = bus.subscribeUser(7, (event) => seen.push(event));
    await validator.invalidate(7, ['session-a']);
    expect(seen).toEqual([{ type: 'session.revoked', userIds: [7], sessionIds: ['session-a'] }]);
    unsubscribe();
  });

  describe('sockets of one session checked at once (a reconnect storm)', () => {
    let release: () => void;
    let slowReads: number;
    let slow: SessionValidator;
    beforeEach(() => {
      slowReads = 0;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const repository = {
        status: async (sessionId: string) => {
          slowReads += 1;
          await gate;
          return statuses.get(sessionId) ?? null;
        },
      } as unknown as AuthSessionRepository;
      slow = new SessionValidator(repository, new InProcessCache(), loadConfig({}), bus);
    });
    afterEach(() => slow.onModuleDestroy());

    it('reads the session once for all of them', async () => {
      const checks = Array.from({ length: 5 }, () => slow.authenticate(claims));
      release();
      const users = await Promise.all(checks);
      expect(users.map((user) => user.userId)).toEqual([7, 7, 7, 7, 7]);
      expect(slowReads).toBe(1);
    });

    it('reads again for a check that comes after a revocation, while the first read is in flight', async () => {
      const first = slow.authenticate(claims);
      revoke();
      await slow.invalidate(7, ['session-a']);
      const second = slow.authenticate(claims);
      release();
      await first.catch(() => undefined); // read before or after the revocation: either answer
      await expect(second).rejects.toMatchObject({ type: 'SessionExpired' });
      expect(slowReads).toBe(2);
    });
  });
});
