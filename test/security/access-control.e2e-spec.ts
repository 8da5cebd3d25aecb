import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { NetworkRepository } from '../../src/modules/network/network.repository';
import { SettlementService } from '../../src/modules/settlement/settlement.service';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { linkWallet } from '../support/wallet';
import { TestSocket } from '../support/ws-client';

/**
 * Who may touch what: every :id route of the OpenAPI document tried across users (IDOR), list
 * routes and query parameters that could name another user, mass assignment of identity, role,
 * totals and referral fields on every body (and in a WebSocket Connect), and referral abuse
 * (changing a referrer later, cycles). rest-domain and admin specs hold the basic cases.
 */

/**
 * Every route with an id in its path, and who may use it. A new one fails the first test until
 * classified. `caller`: the path names no one's row (an epoch); the answer is about the caller only.
 */
const ID_ROUTES: Record<string, 'owner' | 'admin' | 'caller'> = {
  'get /api/settlement/epochs/{epoch}/proof': 'caller',
  'post /api/admin/settlement/epochs/{epoch}/settle': 'admin',
  'post /api/admin/settlement/epochs/{epoch}/publish': 'admin',
  'get /api/networks/{id}': 'owner',
  'delete /api/networks/{id}': 'owner',
  'get /api/admin/users/{id}': 'admin',
  'post /api/admin/users/{id}/bonus': 'admin',
  'post /api/admin/users/{id}/disable': 'admin',
};

/** Bodies that pass validation, so that only authorization can refuse the request. */
const VALID_BODIES: Record<string, unknown> = {
  'post /api/admin/users/{id}/bonus': { amount: 5, reason: 'idor probe' },
};

describe('access control', () => {
  let app: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let admin: RegisteredUser;
  let aliceNode: number;

  beforeAll(async () => {
    app = await startTestApp({ label: 'access', env: { ADMIN_EMAILS: 'chief@example.com' } });
    admin = await registerUser(app, { email: 'chief@example.com' });
    alice = await registerUser(app);
    bob = await registerUser(app);
    await registerUser(app, { referral_code: alice.referralCode });
    await registerUser(app, { referral_code: alice.referralCode });
    aliceNode = (await app.server.app.get(NetworkRepository).connect(alice.id, 'alice-laptop', 'Alice', '203.0.113.10', 's-alice')).id;
    for (const amount of [1, 2, 3]) {
      expect((await api(app, 'POST', `/api/admin/users/${alice.id}/bonus`, { token: admin.accessToken, body: { amount, reason: 'seed' } })).status).toBe(201);
    }
  });
  afterAll(() => app.close());

  describe('IDOR: every :id route', () => {
    it('classifies every :id route of the OpenAPI document', async () => {
      const document = (await api(app, 'GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
        path.includes('{') ? Object.keys(methods).map((method) => `${method} ${path}`) : [],
      );
      expect(routes.sort()).toEqual(Object.keys(ID_ROUTES).sort());
    });

    it("answers another user's id like a missing one on owner routes, and leaves the row alone", async () => {
      for (const [route, scope] of Object.entries(ID_ROUTES)) {
        if (scope !== 'owner') continue;
        const [method, template] = route.split(' ') as [string, string];
        const foreign = await api(app, method.toUpperCase(), template.replace('{id}', String(aliceNode)), { token: bob.accessToken });
        const missing = await api(app, method.toUpperCase(), template.replace('{id}', '987654321'), { token: bob.accessToken });
        expect([route, foreign.status, foreign.body.error]).toEqual([route, 404, 'EntityNotFound']);
        // Not even the message tells an existing id from a missing one.
        expect([route, foreign.body.message]).toEqual([route, missing.body.message]);
      }
      const still = await api(app, 'GET', `/api/networks/${aliceNode}`, { token: alice.accessToken });
      expect([still.status, still.body.user_id]).toEqual([200, alice.id]);
    });

    it('refuses admin routes to users whatever the id (their own included) and to anonymous callers, changing nothing', async () => {
      for (const [route, scope] of Object.entries(ID_ROUTES)) {
        if (scope !== 'admin') continue;
        const [method, template] = route.split(' ') as [string, string];
        for (const id of [alice.id, bob.id, admin.id, 987654321]) {
          const path = template.replace(/\{(id|epoch)\}/, String(id));
          const body = VALID_BODIES[route];
          const asUser = await api(app, method.toUpperCase(), path, { token: bob.accessToken, body });
          expect([path, asUser.status, asUser.body.error]).toEqual([path, 403, 'Forbidden']);
          const anonymous = await api(app, method.toUpperCase(), path, { body });
          expect([path, anonymous.status, anonymous.body.error]).toEqual([path, 401, 'Unauthorized']);
        }
      }
      // Nothing happened: no bonus landed, nobody was disabled.
      expect((await api(app, 'GET', '/api/earnings/summary', { token: bob.accessToken })).body.total).toBe(0);
      expect((await api(app, 'GET', '/api/earnings/summary', { token: alice.accessToken })).body.total).toBe(6);
      for (const user of [alice, bob, admin]) expect((await api(app, 'GET', '/api/user/me', { token: user.accessToken })).status).toBe(200);
    });
  });

  describe('settlement proofs', () => {
    it("serves the caller's own leaf only: another user's wallet and amount never come back", async () => {
      const settlement = app.server.app.get(SettlementService);
      const epoch = settlement.currentEpoch() - 1;
      const wallet = await linkWallet(app, alice.accessToken);
      await app.server.app.get(LedgerService).apply({
        id: 'access:settlement',
        network: [{ userId: alice.id, amount: microPointsOf(1), at: new Date(settlement.epochEnd(epoch).getTime() - 1000) }],
        nodes: [],
        bonuses: [],
      });
      await settlement.settle(epoch);
      const own = await api(app, 'GET', `/api/settlement/epochs/${epoch}/proof`, { token: alice.accessToken });
      expect([own.status, own.body.account]).toEqual([200, wallet.address]);
      const other = await api(app, 'GET', `/api/settlement/epochs/${epoch}/proof`, { token: bob.accessToken });
      expect([other.status, other.body.error, JSON.stringify(other.body).includes(wallet.address)]).toEqual([404, 'EntityNotFound', false]);
      // Query parameters naming someone else are refused, not honoured.
      for (const parameter of ['account', 'user_id']) {
        const probe = await api(app, 'GET', `/api/settlement/epochs/${epoch}/proof?${parameter}=${parameter === 'account' ? wallet.address : alice.id}`, { token: bob.accessToken });
        expect([parameter, probe.status]).toEqual([parameter, 400]);
      }
    });
  });

  describe('IDOR: lists and query parameters', () => {
    const LISTS = ['/api/networks', '/api/networks/summary', '/api/earnings', '/api/earnings/summary', '/api/earnings/timeseries', '/api/referrals', '/api/referrals/summary'];

    it("shows a caller only their own rows on every list and summary", async () => {
      const networks = await api(app, 'GET', '/api/networks', { token: bob.accessToken });
      expect(networks.body.items).toEqual([]);
      expect((await api(app, 'GET', '/api/networks/summary', { token: bob.accessToken })).body.total).toBe(0);
      expect((await api(app, 'GET', '/api/earnings', { token: bob.accessToken })).body.items).toEqual([]);
      expect((await api(app, 'GET', '/api/referrals', { token: bob.accessToken })).body.items).toEqual([]);
      expect((await api(app, 'GET', '/api/referrals/summary', { token: bob.accessToken })).body).toMatchObject({ total: 0, referral_code: bob.referralCode });
      const series = await api(app, 'GET', '/api/earnings/timeseries?bucket=day', { token: bob.accessToken });
      expect(series.body.points.every((point: { total: number }) => point.total === 0)).toBe(true);
    });

    it('never honours a user_id (or similar) query parameter: unknown parameters are refused on every route', async () => {
      for (const path of LISTS) {
        for (const parameter of ['user_id', 'userId', 'owner', 'referrer_id']) {
          const response = await api(app, 'GET', `${path}?${parameter}=${alice.id}`, { token: bob.accessToken });
          expect([path, parameter, response.status, response.body.error]).toEqual([path, parameter, 400, 'ValidationError']);
        }
      }
    });

    it("reveals nothing through another user's cursor", async () => {
      const aliceEarnings = await api(app, 'GET', '/api/earnings?limit=1', { token: alice.accessToken });
      const aliceReferrals = await api(app, 'GET', '/api/referrals?limit=1', { token: alice.accessToken });
      expect(aliceEarnings.body.next_cursor).toEqual(expect.any(String));
      expect(aliceReferrals.body.next_cursor).toEqual(expect.any(String));
      const earnings = await api(app, 'GET', `/api/earnings?cursor=${aliceEarnings.body.next_cursor}`, { token: bob.accessToken });
      const referrals = await api(app, 'GET', `/api/referrals?cursor=${aliceReferrals.body.next_cursor}`, { token: bob.accessToken });
      expect([earnings.status, earnings.body.items]).toEqual([200, []]);
      expect([referrals.status, referrals.body.items]).toEqual([200, []]);
    });

    it("never pushes one user's state to another user's sockets", async () => {
      const bobViewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: bob.accessToken });
      await bobViewer.connect({ device_id: 'bob-viewer', role: 'viewer' });
      const aliceViewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: alice.accessToken });
      await aliceViewer.connect({ device_id: 'alice-viewer', role: 'viewer' });
      // Alice's node comes online: her viewer hears of it.
      const aliceNodeSocket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: alice.accessToken });
      await aliceNodeSocket.connect({ device_id: 'alice-phone', network_name: 'Alice phone' });
      await waitUntil(() =>
        aliceViewer.frames.some((frame) => frame.type === 'NetworkUpdate' && frame.payload.networks.some((node: { device_id: string; connected: boolean }) => node.device_id === 'alice-phone' && node.connected)),
      );
      // Then Bob's own node: once Bob has heard of it, he has heard everything sent before.
      const bobNode = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: bob.accessToken });
      await bobNode.connect({ device_id: 'bob-node' });
      await waitUntil(() =>
        bobViewer.frames.some((frame) => frame.type === 'NetworkUpdate' && frame.payload.networks.some((node: { device_id: string }) => node.device_id === 'bob-node')),
      );
      const leaked = JSON.stringify(bobViewer.frames);
      expect(leaked).not.toContain('alice-');
      expect(bobViewer.frames.filter((frame) => frame.type === 'NetworkUpdate').flatMap((frame) => frame.payload.networks.map((node: { user_id: number }) => node.user_id))).toEqual(
        expect.arrayContaining([bob.id]),
      );
      expect(new Set(bobViewer.frames.flatMap((frame) => (frame.type === 'NetworkUpdate' ? frame.payload.networks.map((node: { user_id: number }) => node.user_id) : [])))).toEqual(new Set([bob.id]));
      for (const socket of [bobViewer, aliceViewer, aliceNodeSocket, bobNode]) socket.close();
    });
  });

  describe('mass assignment', () => {
    /** Fields a client must never set: identity, role, account state, totals, referral links. */
    const FORBIDDEN = [
      'id', 'user_id', 'role', 'is_admin', 'admin', 'disabled_at', 'password_hash', 'email_verified', 'referral_code',
      'referrer_id', 'referred_by', 'points', 'total', 'balance', 'network', 'referral', 'bonus', 'points_earned',
      'created_at', 'last_active', 'status', 'source', 'epoch', 'session_id', 'token_type', 'expires_in', 'wallet_address',
    ];

    it('refuses every such field on every body with 400 naming it, and changes nothing', async () => {
      const victim = await registerUser(app);
      const bodies: Array<{ method: string; path: string; token?: string; body: Record<string, unknown>; own: string[] }> = [
        { method: 'POST', path: '/api/auth/register', body: { email: 'mass@example.com', username: 'mass_user', password: 'password123' }, own: ['referral_code'] },
        { method: 'POST', path: '/api/auth/login', body: { email: victim.email, password: victim.password }, own: [] },
        { method: 'POST', path: '/api/auth/refresh', body: { refresh_token: victim.refreshToken }, own: [] },
        { method: 'POST', path: '/api/auth/logout', body: { refresh_token: victim.refreshToken }, own: [] },
        { method: 'PATCH', path: '/api/user/me', token: victim.accessToken, body: { username: `${victim.username}_x` }, own: ['wallet_address'] },
        { method: 'POST', path: `/api/admin/users/${victim.id}/bonus`, token: admin.accessToken, body: { amount: 1, reason: 'mass' }, own: [] },
      ];
      let tried = 0;
      for (const { method, path, token, body, own } of bodies) {
        for (const field of FORBIDDEN.filter((name) => !own.includes(name))) {
          const value = field.endsWith('_id') || field === 'id' ? admin.id : field === 'role' ? 'admin' : 1_000_000;
          const response = await api(app, method, path, { token, body: { ...body, [field]: value } });
          expect([path, field, response.status, response.body.error]).toEqual([path, field, 400, 'ValidationError']);
          expect([path, field, response.body.details.map((detail: { field: string }) => detail.field)]).toEqual([path, field, expect.arrayContaining([field])]);
          tried += 1;
        }
      }
      expect(tried).toBeGreaterThan(150);
      // Nothing was created, renamed, credited, revoked or rotated by any of them.
      expect((await api(app, 'POST', '/api/auth/login', { body: { email: 'mass@example.com', password: 'password123' } })).status).toBe(401);
      const me = await api(app, 'GET', '/api/user/me', { token: victim.accessToken });
      expect(me.body.username).toBe(victim.username);
      expect((await api(app, 'GET', '/api/earnings/summary', { token: victim.accessToken })).body.total).toBe(0);
      expect((await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: victim.refreshToken } })).status).toBe(200);
    });

    it('ignores everything but device_id, network_name, role, user_id and updates in a WebSocket Connect', async () => {
      const user = await registerUser(app);
      const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
      // Fields the document does not name (so `send` refuses them): the server must ignore them.
      socket.sendInvalid({
        type: 'Connect',
        payload: {
          device_id: 'greedy',
          network_name: 'Greedy',
          points_earned: 1_000_000,
          connection_time: 99_999_999,
          network_score: 0.123,
          ip_address: '198.51.100.77',
          connected: false,
          id: aliceNode,
          user_id: user.id,
        },
      });
      await socket.next('Connected');
      const update = await socket.next('NodeUpdate');
      expect(update.payload.node).toEqual(
        expect.objectContaining({ device_id: 'greedy', user_id: user.id, points_earned: 0, connection_time: 0, ip_address: '127.0.0.1', connected: true }),
      );
      expect(update.payload.earnings).toEqual({ today: 0, total: 0 });
      expect(update.payload.node.id).not.toBe(aliceNode);
      expect(update.payload.node.network_score).not.toBe(0.123);
      socket.close();
      expect((await api(app, 'GET', `/api/networks/${aliceNode}`, { token: alice.accessToken })).body.device_id).toBe('alice-laptop');
    });
  });

  describe('referral abuse', () => {
    it('offers no way to set or change a referrer after registration', async () => {
      const late = await registerUser(app);
      for (const body of [{ referral_code: alice.referralCode }, { referrer_id: alice.id }, { referred_by: alice.id }]) {
        const response = await api(app, 'PATCH', '/api/user/me', { token: late.accessToken, body });
        expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), 400]);
      }
      // Registering again (same email, another referrer) is a conflict, and the first link stands.
      const linked = await registerUser(app, { referral_code: alice.referralCode });
      const again = await api(app, 'POST', '/api/auth/register', {
        body: { email: linked.email, username: 'switcher_01', password: 'password123', referral_code: bob.referralCode },
      });
      expect(again.status).toBe(409);
      const rows = await sql<{ referrer_id: number }>(app.database.url, 'SELECT referrer_id FROM referrals WHERE referee_id = $1', [linked.id]);
      expect(rows.map((row) => Number(row.referrer_id))).toEqual([alice.id]);
      expect(await sql(app.database.url, 'SELECT 1 FROM referrals WHERE referee_id = $1', [late.id])).toEqual([]);
    });

    it('keeps the referral graph acyclic, even when codes are used concurrently: every referrer registered before their referee', async () => {
      // A chain, then a burst of registrations with codes all along it, at once.
      const chain = [await registerUser(app)];
      for (let i = 0; i < 4; i++) chain.push(await registerUser(app, { referral_code: chain[chain.length - 1]!.referralCode }));
      await Promise.all(chain.map((member) => registerUser(app, { referral_code: member.referralCode })));

      const misordered = await sql(
        app.database.url,
        `SELECT r.id FROM referrals r JOIN users a ON a.id = r.referrer_id JOIN users b ON b.id = r.referee_id
          WHERE r.referrer_id = r.referee_id OR a.created_at > b.created_at OR r.referrer_id > r.referee_id`,
      );
      expect(misordered).toEqual([]);
      const cycles = await sql(
        app.database.url,
        `WITH RECURSIVE walk(start, node, depth, seen) AS (
           SELECT referee_id, referrer_id, 1, ARRAY[referee_id] FROM referrals
           UNION ALL
           SELECT w.start, r.referrer_id, w.depth + 1, w.seen || w.node
             FROM walk w JOIN referrals r ON r.referee_id = w.node
            WHERE NOT w.node = ANY(w.seen) AND w.depth < 100
         )
         SELECT start FROM walk WHERE node = start OR node = ANY(seen)`,
      );
      expect(cycles).toEqual([]);
    });
  });
});
