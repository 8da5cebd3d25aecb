import { NotificationRetentionJob } from '../../src/modules/notification/notification-retention.job';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { linkWallet } from '../support/wallet';
import { TestSocket, unreadShown } from '../support/ws-client';

const ADMIN = 'feed-admin@example.com';

/**
 * The feed and what writes to it: referrals, bonuses, sign-ins from new addresses, wallet
 * changes; read marks, preferences, live frames, retention, and bad input next to good.
 */
describe('notification feed', () => {
  let app: TestApp;
  let admin: RegisteredUser;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'feed',
      env: {
        ADMIN_EMAILS: ADMIN,
        HEARTBEAT_INTERVAL_MS: '100',
        POINTS_PER_HOUR: '360000',
        EARNINGS_FLUSH_MS: '200',
        REFERRAL_QUALIFY_POINTS: '5',
        REFERRAL_BONUS_POINTS: '7.5',
        NOTIFICATION_RETENTION_DAYS: '30',
      },
    });
    admin = await registerUser(app, { email: ADMIN });
  });
  afterAll(() => app?.close());

  const feed = async (user: RegisteredUser, query = '') => {
    const response = await api(app, 'GET', `/api/notifications${query}`, { token: user.accessToken });
    expect(response.status).toBe(200);
    return response.body;
  };
  const types = async (user: RegisteredUser) => (await feed(user)).items.map((item: any) => item.type);

  it('tells a referrer of a new referee, and of the reward when the referee qualifies', async () => {
    const referrer = await registerUser(app);
    const referee = await registerUser(app, { referral_code: referrer.referralCode });
    expect((await feed(referrer)).items).toEqual([
      expect.objectContaining({ type: 'referral.joined', data: { referee_username: referee.username, bonus: 7.5 }, read_at: null }),
    ]);
    expect((await feed(referee)).items).toEqual([]);

    const node = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: referee.accessToken });
    await node.connect({ device_id: 'earner' });
    const beat = setInterval(() => node.send({ type: 'Heartbeat' }), 100);
    try {
      await waitUntil(async () => (await types(referrer)).includes('referral.rewarded'), { timeoutMs: 20_000, what: 'referral.rewarded' });
    } finally {
      clearInterval(beat);
      node.close();
    }
    const rewarded = (await feed(referrer)).items.filter((item: any) => item.type === 'referral.rewarded');
    expect(rewarded).toEqual([expect.objectContaining({ data: { referee_username: referee.username, bonus: 7.5 } })]);
  });

  it('records an admin bonus, a new wallet and a sign-in from a new address', async () => {
    const user = await registerUser(app);
    const bonus = await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 12.25, reason: 'Community <3' } });
    expect(bonus.status).toBe(201);
    // Linked by signature (the wallet module records it in the same transaction).
    const wallet = (await linkWallet(app, user.accessToken)).address;
    // A username change is no news.
    expect((await api(app, 'PATCH', '/api/user/me', { token: user.accessToken, body: { username: `${user.username}x` } })).status).toBe(200);
    // The address it registered from is known: no alert. A new one (through a trusted proxy) is.
    const login = (headers: Record<string, string> = {}) =>
      api(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password }, headers: { 'user-agent': 'FeedTest/1.0', ...headers } });
    expect((await login()).status).toBe(200);
    expect((await login({ 'x-forwarded-for': '203.0.113.77' })).status).toBe(200);
    expect((await login({ 'x-forwarded-for': '203.0.113.77' })).status).toBe(200);

    const { items } = await feed(user);
    expect(items.map((item: any) => [item.type, item.data])).toEqual([
      ['security.login', { ip: '203.0.113.77', user_agent: 'FeedTest/1.0', time: expect.any(String) }],
      ['security.wallet_linked', { address: wallet }],
      ['bonus.credited', { amount: 12.25, reason: 'Community <3' }],
    ]);
  });

  it('pages the feed, counts unread, and marks read by id or all', async () => {
    const user = await registerUser(app);
    for (let i = 0; i < 5; i++) await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: i + 1, reason: `b${i}` } });
    const first = await feed(user, '?limit=2');
    expect(first.items.map((item: any) => item.data.reason)).toEqual(['b4', 'b3']);
    expect(first.unread).toBe(5);
    const second = await feed(user, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((item: any) => item.data.reason)).toEqual(['b2', 'b1']);
    const last = await feed(user, `?limit=2&cursor=${second.next_cursor}`);
    expect([last.items.length, last.next_cursor]).toEqual([1, null]);

    const other = await registerUser(app);
    await api(app, 'POST', `/api/admin/users/${other.id}/bonus`, { token: admin.accessToken, body: { amount: 1, reason: 'theirs' } });
    const theirs = (await feed(other)).items[0].id;
    const read = await api(app, 'POST', '/api/notifications/read', { token: user.accessToken, body: { ids: [first.items[0].id, theirs] } });
    expect(read.status).toBe(204);
    expect((await feed(other)).unread).toBe(1); // another user's id is ignored
    const unread = await feed(user, '?unread=true');
    expect([unread.items.length, unread.unread]).toEqual([4, 4]);
    expect(Date.parse((await feed(user)).items[0].read_at)).not.toBeNaN();
    expect((await api(app, 'POST', '/api/notifications/read', { token: user.accessToken, body: { all: true } })).status).toBe(204);
    expect((await feed(user)).unread).toBe(0);
    expect((await feed(user, '?unread=true')).items).toEqual([]);
  });

  it.each([
    ['neither ids nor all', {}],
    ['both ids and all', { ids: [1], all: true }],
    ['all: false', { all: false }],
    ['an empty ids list', { ids: [] }],
    ['ids that are not ids', { ids: ['1'] }],
    ['a negative id', { ids: [-1] }],
    ['a huge id', { ids: [2 ** 60] }],
    ['too many ids', { ids: Array.from({ length: 501 }, (_, i) => i + 1) }],
    ['an unknown field', { all: true, extra: 1 }],
  ])('refuses read marks with %s (400)', async (_name, body) => {
    const user = await registerUser(app);
    const response = await api(app, 'POST', '/api/notifications/read', { token: user.accessToken, body });
    expect([response.status, response.body.error]).toEqual([400, 'ValidationError']);
  });

  it.each([['?unread=maybe'], ['?limit=0'], ['?limit=201'], ['?cursor=%%%'], ['?cursor=eyJ4IjoxfQ'], ['?other=1']])('refuses the feed query %s (400)', async (query) => {
    const user = await registerUser(app);
    const response = await api(app, 'GET', `/api/notifications${query}`, { token: user.accessToken });
    expect([response.status, response.body.error]).toEqual([400, 'ValidationError']);
  });

  it('requires a token on every route but the unsubscribe links', async () => {
    for (const [method, path] of [
      ['GET', '/api/notifications'],
      ['POST', '/api/notifications/read'],
      ['GET', '/api/notifications/preferences'],
      ['PUT', '/api/notifications/preferences'],
      ['GET', '/api/notifications/webhook'],
      ['PUT', '/api/notifications/webhook'],
      ['DELETE', '/api/notifications/webhook'],
      ['POST', '/api/notifications/webhook/test'],
      ['GET', '/api/notifications/webhook/deliveries'],
    ]) {
      const response = await api(app, method!, path!, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      expect([method, path, response.status]).toEqual([method, path, 401]);
    }
    expect((await api(app, 'GET', '/api/notifications/unsubscribe')).status).toBe(400);
  });

  it('follows the preferences: defaults, partial changes, and a type kept out of the feed', async () => {
    const user = await registerUser(app);
    const defaults = await api(app, 'GET', '/api/notifications/preferences', { token: user.accessToken });
    expect(defaults.body.preferences).toHaveLength(8);
    expect(defaults.body.preferences.find((p: any) => p.type === 'bonus.credited')).toEqual({ type: 'bonus.credited', in_app: true, webhook: true, email: false });
    const changed = await api(app, 'PUT', '/api/notifications/preferences', {
      token: user.accessToken,
      body: { preferences: [{ type: 'bonus.credited', in_app: false }, { type: 'node.offline', email: false }] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.preferences.find((p: any) => p.type === 'bonus.credited')).toEqual({ type: 'bonus.credited', in_app: false, webhook: true, email: false });
    expect(changed.body.preferences.find((p: any) => p.type === 'node.offline')).toEqual({ type: 'node.offline', in_app: true, webhook: true, email: false });
    expect((await api(app, 'GET', '/api/notifications/preferences', { token: user.accessToken })).body).toEqual(changed.body);

    await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 1, reason: 'quiet' } });
    expect((await feed(user)).items).toEqual([]);
    // With no webhook and no email either, nothing was written at all.
    const [{ count }] = await sql<{ count: number }>(app.database.url, `SELECT count(*)::int AS count FROM notifications WHERE user_id = $1`, [user.id]);
    expect(count).toBe(0);
  });

  it.each([
    ['an unknown type', { preferences: [{ type: 'node.exploded', email: false }] }],
    ['a type twice', { preferences: [{ type: 'node.offline', email: false }, { type: 'node.offline', email: true }] }],
    ['a non-boolean channel', { preferences: [{ type: 'node.offline', email: 'no' }] }],
    ['an unknown channel', { preferences: [{ type: 'node.offline', sms: true }] }],
    ['no list', { node_offline: { email: false } }],
    ['too many entries', { preferences: Array.from({ length: 9 }, () => ({ type: 'node.offline' })) }],
  ])('refuses preferences with %s (400)', async (_name, body) => {
    const user = await registerUser(app);
    const response = await api(app, 'PUT', '/api/notifications/preferences', { token: user.accessToken, body });
    expect([response.status, response.body.error]).toEqual([400, 'ValidationError']);
  });

  it('pushes new notifications and the unread count to dashboard viewers only', async () => {
    const user = await registerUser(app);
    await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 1, reason: 'before' } });
    const viewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await viewer.connect({ device_id: 'tab', role: 'viewer' });
    expect((await viewer.next('NotificationUpdate')).payload).toEqual({ unread: 1 });
    const earnings = await TestSocket.open(app.wsUrl, '/ws/earnings', { token: user.accessToken });
    await earnings.connect({ device_id: 'tab2' });

    await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 2, reason: 'after' } });
    const frame = await viewer.next('Notification');
    expect(frame.payload.notification).toMatchObject({ type: 'bonus.credited', data: { amount: 2, reason: 'after' }, read_at: null });
    // The count is state, pushed on its own schedule: before or after the Notification frame.
    await waitUntil(() => unreadShown(viewer) === 2, { what: 'unread 2' });
    await api(app, 'POST', '/api/notifications/read', { token: user.accessToken, body: { all: true } });
    await waitUntil(() => unreadShown(viewer) === 0, { what: 'unread 0' });
    // Only what came after the snapshot is pushed, once; other endpoints carry none of it.
    expect(viewer.frames.filter((f) => f.type === 'Notification').map((f) => f.payload.notification.data.reason)).toEqual(['after']);
    expect(earnings.frames.filter((f) => f.type.startsWith('Notification'))).toEqual([]);
    viewer.close();
    earnings.close();
  });

  it('prunes notifications older than NOTIFICATION_RETENTION_DAYS', async () => {
    const user = await registerUser(app);
    await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 1, reason: 'old' } });
    await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 1, reason: 'new' } });
    await sql(app.database.url, `UPDATE notifications SET created_at = now() - interval '31 days' WHERE user_id = $1 AND data->>'reason' = 'old'`, [user.id]);
    expect(await app.server.app.get(NotificationRetentionJob).run()).toBeGreaterThanOrEqual(1);
    expect((await feed(user)).items.map((item: any) => item.data.reason)).toEqual(['new']);
  });
});
