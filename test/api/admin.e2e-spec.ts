import { DomainEvent } from '../../src/infra/bus/domain-event';
import { EventBus } from '../../src/infra/bus/event-bus';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { ledgerMismatches } from '../support/ledger-invariant';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

describe('admin', () => {
  let app: TestApp;
  let other: TestApp;
  let admin: RegisteredUser;
  let user: RegisteredUser;

  beforeAll(async () => {
    const env = { ADMIN_EMAILS: 'root@example.com,ops@example.com' };
    app = await startTestApp({ label: 'admin', env, redis: true });
    // A second instance on the same database and Redis: tokens must stop working there too.
    other = await startTestApp({ label: 'admin', env, database: app.database, redisNamespace: app.redis! });
    admin = await registerUser(app, { email: 'root@example.com', username: 'root_admin' });
    user = await registerUser(app, { email: 'Plain.User@example.com', username: 'plain_user' });
  });
  afterAll(async () => {
    await other?.close();
    await app?.close();
  });

  it('refuses non-admins with 403 and anonymous callers with 401 on every admin route', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/users'],
      ['GET', `/api/admin/users/${admin.id}`],
      ['POST', `/api/admin/users/${user.id}/bonus`, { amount: 10, reason: 'x' }],
      ['POST', `/api/admin/users/${admin.id}/disable`],
    ];
    for (const [method, path, body] of routes) {
      const forbidden = await api(app, method, path, { token: user.accessToken, body });
      expect([path, forbidden.status, forbidden.body.error]).toEqual([path, 403, 'Forbidden']);
      const anonymous = await api(app, method, path, { body });
      expect([path, anonymous.status]).toEqual([path, 401]);
    }
  });

  it('tells each caller their role (GET /api/user/me, login), so a client needs no admin probe', async () => {
    const asAdmin = await api(app, 'GET', '/api/user/me', { token: admin.accessToken });
    const asUser = await api(app, 'GET', '/api/user/me', { token: user.accessToken });
    expect([asAdmin.status, asAdmin.body.role, asUser.status, asUser.body.role]).toEqual([200, 'admin', 200, 'user']);
    const login = await api(app, 'POST', '/api/auth/login', { body: { email: 'root@example.com', password: admin.password } });
    expect([login.status, login.body.user.role]).toEqual([200, 'admin']);
  });

  it('searches users by email or username and pages them', async () => {
    const found = await api(app, 'GET', '/api/admin/users?q=PLAIN', { token: admin.accessToken });
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([
      expect.objectContaining({ id: user.id, email: 'plain.user@example.com', role: 'user', disabled_at: null }),
    ]);
    expect(found.body.items[0]).not.toHaveProperty('password_hash');
    // LIKE wildcards are literal.
    expect((await api(app, 'GET', '/api/admin/users?q=%25', { token: admin.accessToken })).body.items).toEqual([]);
    const first = await api(app, 'GET', '/api/admin/users?limit=1', { token: admin.accessToken });
    expect(first.body.items[0].id).toBe(user.id);
    const second = await api(app, 'GET', `/api/admin/users?limit=1&cursor=${first.body.next_cursor}`, { token: admin.accessToken });
    expect(second.body.items[0]).toMatchObject({ id: admin.id, role: 'admin' });
  });

  it('shows a user’s detail; unknown and bad ids are 404 and 400', async () => {
    const detail = await api(app, 'GET', `/api/admin/users/${user.id}`, { token: admin.accessToken });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: user.id,
      role: 'user',
      earnings: { total: 0 },
      networks: { total: 0 },
      referrals: { total: 0, referral_code: user.referralCode },
    });
    expect((await api(app, 'GET', '/api/admin/users/999999', { token: admin.accessToken })).status).toBe(404);
    expect((await api(app, 'GET', '/api/admin/users/x', { token: admin.accessToken })).status).toBe(400);
  });

  it('grants a validated bonus and announces it', async () => {
    const events: DomainEvent[] = [];
    const stop = app.server.app.get(EventBus).subscribeUser(user.id, (event) => events.push(event));
    const response = await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, {
      token: admin.accessToken,
      body: { amount: 12.345678, reason: 'Beta tester' },
    });
    stop();
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(Number),
      user_id: user.id,
      amount: 12.345678,
      source: 'Bonus',
      timestamp: expect.any(String),
      epoch: expect.any(Number),
    });
    expect(events).toContainEqual({ type: 'earnings.changed', userIds: [user.id] });
    const summary = await api(app, 'GET', '/api/earnings/summary', { token: user.accessToken });
    expect(summary.body).toMatchObject({ total: 12.345678, by_source: { bonus: 12.345678 } });
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
  });

  it.each([
    [{ amount: 0, reason: 'x' }],
    [{ amount: -5, reason: 'x' }],
    [{ amount: 1_000_000.000001, reason: 'x' }],
    [{ amount: 1.1234567, reason: 'x' }],
    [{ amount: '10', reason: 'x' }],
    [{ amount: 10 }],
    [{ amount: 10, reason: '' }],
    [{ amount: 10, reason: 'x'.repeat(201) }],
    [{ amount: 10, reason: 'x', user_id: 1 }],
  ])('refuses bonus %j with 400', async (body) => {
    const response = await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('ValidationError');
  });

  it('accepts the largest bonus and refuses one for an unknown user', async () => {
    const max = await api(app, 'POST', `/api/admin/users/${user.id}/bonus`, { token: admin.accessToken, body: { amount: 1_000_000, reason: 'max' } });
    expect(max.status).toBe(201);
    const unknown = await api(app, 'POST', '/api/admin/users/999999/bonus', { token: admin.accessToken, body: { amount: 1, reason: 'x' } });
    expect(unknown.status).toBe(404);
  });

  it('disables a user: tokens stop working on every instance within a second, login fails', async () => {
    const victim = await registerUser(app);
    const login = await api(other, 'POST', '/api/auth/login', { body: { email: victim.email, password: victim.password } });
    // Warm the other instance's session cache, so the bound on staleness is what is tested.
    expect((await api(other, 'GET', '/api/user/me', { token: login.body.access_token })).status).toBe(200);

    const events: DomainEvent[] = [];
    const stop = app.server.app.get(EventBus).subscribeUser(victim.id, (event) => events.push(event));
    const disable = await api(app, 'POST', `/api/admin/users/${victim.id}/disable`, { token: admin.accessToken });
    stop();
    expect(disable.status).toBe(204);
    expect(events).toContainEqual({ type: 'user.disabled', userIds: [victim.id] });

    expect((await api(app, 'GET', '/api/user/me', { token: victim.accessToken })).status).toBe(401);
    await waitUntil(async () => (await api(other, 'GET', '/api/user/me', { token: login.body.access_token })).status === 401, {
      timeoutMs: 1_000,
      what: 'the other instance to refuse the disabled user',
    });
    const relogin = await api(app, 'POST', '/api/auth/login', { body: { email: victim.email, password: victim.password } });
    expect(relogin.status).toBe(401);
    const refresh = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: victim.refreshToken } });
    expect(refresh.status).toBe(401);
    const disabledAt = (await api(app, 'GET', `/api/admin/users/${victim.id}`, { token: admin.accessToken })).body.disabled_at;
    expect(disabledAt).toEqual(expect.any(String));
    // Disabling again changes nothing, not even the time it happened.
    expect((await api(app, 'POST', `/api/admin/users/${victim.id}/disable`, { token: admin.accessToken })).status).toBe(204);
    expect((await api(app, 'GET', `/api/admin/users/${victim.id}`, { token: admin.accessToken })).body.disabled_at).toBe(disabledAt);
  });

  it('does not let an admin disable themselves', async () => {
    const response = await api(app, 'POST', `/api/admin/users/${admin.id}/disable`, { token: admin.accessToken });
    expect(response.status).toBe(400);
  });
});
