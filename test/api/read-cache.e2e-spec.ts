import { UserReadCache } from '../../src/infra/cache/user-read-cache';
import { AdminService } from '../../src/modules/admin/admin.service';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { EarningsService } from '../../src/modules/earnings/earnings.service';
import { EventBus } from '../../src/infra/bus/event-bus';
import { DomainEvent } from '../../src/infra/bus/domain-event';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';
import { TestSocket } from '../support/ws-client';

/**
 * The dashboard read cache: an unchanged dashboard is read from PostgreSQL once, and every change
 * (a credit, a referral, a node) is visible to the very next read.
 */
describe('dashboard read cache', () => {
  let app: TestApp;
  let cache: UserReadCache;

  beforeAll(async () => {
    app = await startTestApp({ label: 'read_cache' });
    cache = app.server.app.get(UserReadCache);
  });
  afterAll(() => app.close());

  const get = async (user: RegisteredUser, path: string) => {
    const response = await api(app, 'GET', path, { token: user.accessToken });
    expect(response.status).toBe(200);
    return response.body;
  };

  /** Misses (database reads) that `work` causes. */
  const missesDuring = async (work: () => Promise<unknown>) => {
    const before = cache.stats().misses;
    await work();
    return cache.stats().misses - before;
  };

  it.each([
    ['/api/earnings/summary'],
    ['/api/referrals/summary'],
    ['/api/networks'],
  ])('serves a repeated %s from the cache', async (path) => {
    const user = await registerUser(app);
    const first = await get(user, path);
    expect(await missesDuring(async () => expect(await get(user, path)).toEqual(first))).toBe(0);
    expect(await missesDuring(async () => expect(await get(user, path)).toEqual(first))).toBe(0);
  });

  it('shows a credit at once', async () => {
    const user = await registerUser(app);
    expect((await get(user, '/api/earnings/summary')).total).toBe(0);
    await app.server.app.get(LedgerService).apply({
      id: `cache-credit-${user.id}`,
      network: [{ userId: user.id, amount: 2_500_000n, at: new Date() }],
      nodes: [],
      bonuses: [],
    });
    expect((await get(user, '/api/earnings/summary')).total).toBe(2.5);
  });

  it('shows a new referral at once', async () => {
    const referrer = await registerUser(app);
    expect((await get(referrer, '/api/referrals/summary')).total).toBe(0);
    await registerUser(app, { referral_code: referrer.referralCode });
    expect(await get(referrer, '/api/referrals/summary')).toMatchObject({ total: 1, pending: 1 });
  });

  it('shows a node that connected, and one that was deleted, at once', async () => {
    const user = await registerUser(app);
    expect((await get(user, '/api/networks')).items).toEqual([]);
    const node = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await node.connect({ device_id: 'cached-node' });
    const listed = (await get(user, '/api/networks')).items;
    expect(listed).toEqual([expect.objectContaining({ device_id: 'cached-node', connected: true })]);
    // The WebSocket snapshot reads the same cache and sees the same list.
    const viewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await viewer.connect({ device_id: 'tab', role: 'viewer', updates: ['NetworkUpdate'] });
    expect((await viewer.next('NetworkUpdate')).payload.networks).toEqual(listed);
    expect((await api(app, 'DELETE', `/api/networks/${listed[0].id}`, { token: user.accessToken })).status).toBe(204);
    expect((await get(user, '/api/networks')).items).toEqual([]);
    node.close();
    viewer.close();
  });

  describe('ledger credits', () => {
    const credit = (userId: number, points: number) =>
      app.server.app.get(LedgerService).apply({
        id: `cache-credit-${userId}-${Date.now()}-${Math.random()}`,
        network: [{ userId, amount: BigInt(Math.round(points * 1e6)), at: new Date() }],
        nodes: [],
        bonuses: [],
      });
    /** The summary as PostgreSQL has it now, past the cache. */
    const fresh = async (userId: number) => (await app.server.app.get(EarningsService).summaries([userId])).get(userId);
    /** The user's events while `work` runs, as this user's subscribers get them. */
    const eventsDuring = async (userId: number, work: () => Promise<unknown>) => {
      const seen: DomainEvent[] = [];
      const stop = app.server.app.get(EventBus).subscribeUser(userId, (event) => seen.push(event));
      try {
        await work();
      } finally {
        stop();
      }
      return seen.filter((event) => event.type === 'earnings.changed');
    };

    it('takes a credit in place: the earner and the referrer read it without a database read, as PostgreSQL has it', async () => {
      const referrer = await registerUser(app);
      const user = await registerUser(app, { referral_code: referrer.referralCode });
      await get(user, '/api/earnings/summary');
      await get(referrer, '/api/earnings/summary');
      await credit(user.id, 1.234567);
      await credit(user.id, 0.1);
      const misses = await missesDuring(async () => {
        expect(await get(user, '/api/earnings/summary')).toEqual(await fresh(user.id));
        expect(await get(referrer, '/api/earnings/summary')).toEqual(await fresh(referrer.id));
      });
      expect(misses).toBe(0);
      expect(await get(user, '/api/earnings/summary')).toMatchObject({ total: 1.334567, today: 1.334567 });
      expect((await get(referrer, '/api/earnings/summary')).by_source.referral).toBe(0.266913);
    });

    it('does not add a credit twice: not one a read after the write holds already, nor one heard twice', async () => {
      const user = await registerUser(app);
      await get(user, '/api/earnings/summary');
      const [announced] = await eventsDuring(user.id, () => credit(user.id, 2));
      expect(announced).toMatchObject({ credit: { amounts: [2_000_000, 0] } });
      // Heard again (from Redis after the local tap, say): already applied.
      await app.server.app.get(EventBus).publish(announced!);
      expect(await get(user, '/api/earnings/summary')).toEqual(await fresh(user.id));
      // Read after the commit, heard after the read (a slow bus): the read's snapshot holds it.
      cache.clear();
      expect((await get(user, '/api/earnings/summary')).total).toBe(2);
      const misses = await missesDuring(async () => {
        await app.server.app.get(EventBus).publish(announced!);
        expect((await get(user, '/api/earnings/summary')).total).toBe(2);
      });
      expect(misses).toBe(0);
    });

    it('reads again after a credit it cannot use, and goes on', async () => {
      const user = await registerUser(app);
      await get(user, '/api/earnings/summary');
      await credit(user.id, 1);
      const malformed = { type: 'earnings.changed', userIds: [user.id], credit: { tx: 'x', at: 0, bucket: 0, epoch: 0, amounts: ['1', 0] } };
      await app.server.app.get(EventBus).publish(malformed as unknown as DomainEvent);
      expect(await missesDuring(async () => expect(await get(user, '/api/earnings/summary')).toEqual(await fresh(user.id)))).toBe(1);
      await credit(user.id, 1);
      expect(await missesDuring(async () => expect((await get(user, '/api/earnings/summary')).total).toBe(2))).toBe(0);
    });
  });

  it('drops what it holds of a disabled user', async () => {
    const user = await registerUser(app);
    await get(user, '/api/earnings/summary');
    expect(await missesDuring(() => cache.read(user.id, 'earnings', () => Promise.resolve('reloaded')))).toBe(0);
    const admin = await registerUser(app);
    await app.server.app.get(AdminService).disable(admin.id, user.id);
    // The cached summary is gone: the next read goes to the database.
    expect(await missesDuring(() => cache.read(user.id, 'earnings', () => Promise.resolve('reloaded')))).toBe(1);
  });
});
