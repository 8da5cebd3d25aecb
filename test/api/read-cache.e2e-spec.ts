import { UserReadCache } from '../../src/infra/cache/user-read-cache';
import { AdminService } from '../../src/modules/admin/admin.service';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
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
