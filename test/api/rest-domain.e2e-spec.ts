import { microPointsOf } from '../../src/common/points';
import { DomainEvent } from '../../src/infra/bus/domain-event';
import { EventBus } from '../../src/infra/bus/event-bus';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { NetworkRepository } from '../../src/modules/network/network.repository';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

describe('REST domain: user, networks, earnings, referrals', () => {
  let app: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    app = await startTestApp({ label: 'rest_domain' });
    alice = await registerUser(app);
    bob = await registerUser(app, { referral_code: alice.referralCode });
  });
  afterAll(() => app.close());

  describe('user', () => {
    it('returns the caller, with their role, without secrets', async () => {
      const me = await api(app, 'GET', '/api/user/me', { token: alice.accessToken });
      expect(me.status).toBe(200);
      expect(Object.keys(me.body).sort()).toEqual(
        ['created_at', 'email', 'id', 'last_active', 'referral_code', 'role', 'username', 'wallet_address'].sort(),
      );
      expect(me.body).toMatchObject({ id: alice.id, email: alice.email, username: alice.username, role: 'user' });
    });

    it.each([
      // Wallets are linked by signature (test/wallet): the old free-text field is unknown.
      [{ wallet_address: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' }, 'wallet_address', /should not exist/],
      [{ username: 'a b' }, 'username', /letters/],
      [{ email: 'new@example.com' }, 'email', /should not exist/],
      [{ referral_code: 'MINE' }, 'referral_code', /should not exist/],
      [{ id: 1 }, 'id', /should not exist/],
    ])('refuses %j with 400 on %s', async (body, field, problem) => {
      const response = await api(app, 'PATCH', '/api/user/me', { token: alice.accessToken, body });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('ValidationError');
      const detail = response.body.details.find((entry: { field: string }) => entry.field === field);
      expect(detail.problems.join(' ')).toMatch(problem);
    });

    it('renames, refusing a name taken in another case', async () => {
      const renamed = await api(app, 'PATCH', '/api/user/me', { token: alice.accessToken, body: { username: `${alice.username}_x` } });
      expect(renamed.status).toBe(200);
      expect(renamed.body.username).toBe(`${alice.username}_x`);
      alice.username = renamed.body.username;
      const taken = await api(app, 'PATCH', '/api/user/me', { token: bob.accessToken, body: { username: alice.username.toUpperCase() } });
      expect(taken.status).toBe(409);
      expect(taken.body.error).toBe('Conflict');
    });
  });

  describe('networks', () => {
    let aliceNode: number;
    beforeAll(async () => {
      const nodes = app.server.app.get(NetworkRepository);
      aliceNode = (await nodes.connect(alice.id, 'laptop-1', 'Home fibre', '203.0.113.7', 's-laptop')).id;
      await nodes.connect(alice.id, 'phone-1', 'Mobile', '203.0.113.8', 's-phone');
      await nodes.setDisconnected([{ nodeId: aliceNode, sessionId: 's-laptop' }]);
      await app.server.app.get(LedgerService).apply({
        id: `nodes-${aliceNode}`,
        network: [],
        nodes: [{ nodeId: aliceNode, seconds: 90.5, points: microPointsOf(1.5), score: 0.95, lastSeenAt: new Date() }],
        bonuses: [],
      });
    });

    it('lists, gets and summarizes the caller’s nodes', async () => {
      const list = await api(app, 'GET', '/api/networks', { token: alice.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(2);
      expect(list.body.items[0]).toEqual({
        id: aliceNode,
        user_id: alice.id,
        device_id: 'laptop-1',
        network_name: 'Home fibre',
        ip_address: '203.0.113.7',
        connected: false,
        connection_time: 90.5,
        network_score: 0.95,
        points_earned: 1.5,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const one = await api(app, 'GET', `/api/networks/${aliceNode}`, { token: alice.accessToken });
      expect(one.body).toEqual(list.body.items[0]);
      const summary = await api(app, 'GET', '/api/networks/summary', { token: alice.accessToken });
      expect(summary.body).toEqual({ total: 2, connected: 1, connection_time: 90.5, average_score: 0.975, points_earned: 1.5 });
      expect((await api(app, 'GET', '/api/networks', { token: bob.accessToken })).body).toEqual({ items: [] });
    });

    it('rejects query parameters on routes that take none', async () => {
      for (const path of ['/api/networks?x=1', '/api/networks/summary?verbose=true', '/api/earnings/summary?_=123', '/api/user/me?fields=all']) {
        const response = await api(app, 'GET', path, { token: alice.accessToken });
        expect([path, response.status, response.body.error]).toEqual([path, 400, 'ValidationError']);
      }
      expect((await api(app, 'GET', '/api/networks', { token: alice.accessToken })).status).toBe(200);
    });

    it('answers another user’s node and bad ids like missing ones', async () => {
      expect((await api(app, 'GET', `/api/networks/${aliceNode}`, { token: bob.accessToken })).status).toBe(404);
      expect((await api(app, 'DELETE', `/api/networks/${aliceNode}`, { token: bob.accessToken })).status).toBe(404);
      for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999', "1' OR '1'='1"]) {
        const response = await api(app, 'GET', `/api/networks/${encodeURIComponent(bad)}`, { token: alice.accessToken });
        expect([bad, response.status, response.body.error]).toEqual([bad, 400, 'ValidationError']);
      }
      expect((await api(app, 'GET', '/api/networks/987654321', { token: alice.accessToken })).status).toBe(404);
    });

    it('deletes a node and announces it', async () => {
      const bus = app.server.app.get(EventBus);
      const events: DomainEvent[] = [];
      const stop = bus.subscribeUser(alice.id, (event) => events.push(event));
      const response = await api(app, 'DELETE', `/api/networks/${aliceNode}`, { token: alice.accessToken });
      stop();
      expect(response.status).toBe(204);
      expect(events).toEqual(
        expect.arrayContaining([{ type: 'network.deleted', userIds: [alice.id], deviceId: 'laptop-1' }]),
      );
      expect((await api(app, 'GET', `/api/networks/${aliceNode}`, { token: alice.accessToken })).status).toBe(404);
    });
  });

  describe('earnings', () => {
    let user: RegisteredUser;
    beforeAll(async () => {
      user = await registerUser(app);
      const ledger = app.server.app.get(LedgerService);
      const now = Date.now();
      for (let h = 0; h < 5; h++) {
        await ledger.apply({
          id: `hist-${user.id}-${h}`,
          network: [{ userId: user.id, amount: microPointsOf(h + 1), at: new Date(now - h * 3_600_000) }],
          nodes: [],
          bonuses: h === 2 ? [{ userId: user.id, amount: microPointsOf(0.25), at: new Date(now - h * 3_600_000), ref: `b-${user.id}`, note: null }] : [],
        });
      }
    });

    it('summarizes: total, today, current epoch, by source', async () => {
      const summary = await api(app, 'GET', '/api/earnings/summary', { token: user.accessToken });
      expect(summary.status).toBe(200);
      expect(summary.body).toEqual({
        total: 15.25,
        today: expect.any(Number),
        current_epoch: Math.floor((Date.now() - Date.parse('2026-01-01T00:00:00Z')) / 86_400_000),
        epoch_total: expect.any(Number),
        by_source: { network: 15, referral: 0, bonus: 0.25 },
        updated_at: expect.any(String),
      });
      // Rows of the last five hours: all of them today unless the test runs just after midnight.
      const [today] = await sql<{ sum: string }>(
        app.database.url,
        `SELECT COALESCE(sum(amount), 0)::float8 AS sum FROM earnings WHERE user_id = $1 AND "timestamp" >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
        [user.id],
      );
      expect(summary.body.today).toBe(Number(today!.sum));
      expect(summary.body.epoch_total).toBe(Number(today!.sum));
      const empty = await api(app, 'GET', '/api/earnings/summary', { token: bob.accessToken });
      expect(empty.body).toMatchObject({ total: 0, today: 0, epoch_total: 0, by_source: { network: 0, referral: 0, bonus: 0 } });
    });

    it('pages history newest first with keyset cursors and filters', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: { items: Array<{ id: number; timestamp: string }>; next_cursor: string | null } } = await api(
          app,
          'GET',
          `/api/earnings?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
          { token: user.accessToken },
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(6);

      const all = await api(app, 'GET', '/api/earnings?limit=200', { token: user.accessToken });
      const timestamps = all.body.items.map((item: { timestamp: string }) => item.timestamp);
      expect([...timestamps].sort().reverse()).toEqual(timestamps);
      expect(all.body.items[0]).toEqual({
        id: expect.any(Number),
        user_id: user.id,
        amount: expect.any(Number),
        source: expect.stringMatching(/^(Network|Bonus)$/),
        timestamp: expect.any(String),
        epoch: expect.any(Number),
      });

      const bonuses = await api(app, 'GET', '/api/earnings?source=Bonus', { token: user.accessToken });
      expect(bonuses.body.items.map((item: { amount: number }) => item.amount)).toEqual([0.25]);
      // Rows carry their hour bucket's start: from the start of the previous hour covers two buckets.
      const from = new Date(Math.floor((Date.now() - 3_600_000) / 3_600_000) * 3_600_000).toISOString();
      const recent = await api(app, 'GET', `/api/earnings?source=Network&from=${from}`, { token: user.accessToken });
      expect(recent.body.items.map((item: { amount: number }) => item.amount)).toEqual([1, 2]);
      // Other users' rows never appear.
      expect((await api(app, 'GET', '/api/earnings', { token: bob.accessToken })).body.items).toEqual([]);
    });

    it('returns a zero-filled hourly and daily time series', async () => {
      const hourly = await api(app, 'GET', '/api/earnings/timeseries?bucket=hour', { token: user.accessToken });
      expect(hourly.status).toBe(200);
      expect(hourly.body.bucket).toBe('hour');
      expect(hourly.body.points.length).toBeGreaterThanOrEqual(24);
      expect(hourly.body.points.length).toBeLessThanOrEqual(25);
      const sums = hourly.body.points.reduce((sum: number, point: { total: number }) => sum + point.total, 0);
      expect(sums).toBeCloseTo(15.25, 6);
      expect(hourly.body.points.filter((point: { total: number }) => point.total === 0).length).toBeGreaterThan(15);
      const times = hourly.body.points.map((point: { t: string }) => Date.parse(point.t));
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(3_600_000);
      expect(hourly.body.points[0]).toEqual({ t: expect.stringMatching(/:00:00\.000Z$/), network: expect.any(Number), referral: 0, bonus: expect.any(Number), total: expect.any(Number) });

      const daily = await api(app, 'GET', '/api/earnings/timeseries?bucket=day&from=2026-11-01T00:00:00Z&to=2026-11-04T00:00:00Z', {
        token: user.accessToken,
      });
      expect(daily.body.points.map((point: { t: string; total: number }) => [point.t, point.total])).toEqual([
        ['2026-11-01T00:00:00.000Z', 0],
        ['2026-11-02T00:00:00.000Z', 0],
        ['2026-11-03T00:00:00.000Z', 0],
      ]);
    });

    it.each([
      ['/api/earnings?limit=0', 'limit'],
      ['/api/earnings?limit=201', 'limit'],
      ['/api/earnings?limit=abc', 'limit'],
      ['/api/earnings?source=Mining', 'source'],
      ['/api/earnings?from=yesterday', 'from'],
      ['/api/earnings?to=2026-13-45T00:00:00Z', 'to'],
      ['/api/earnings?cursor=not-a-cursor!', 'cursor'],
      [`/api/earnings?cursor=${Buffer.from('{"t":"x","id":1}').toString('base64url')}`, 'cursor'],
      ['/api/earnings?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'from'],
      ['/api/earnings?unknown=1', 'unknown'],
      ['/api/earnings/timeseries?bucket=week', 'bucket'],
      ['/api/earnings/timeseries?bucket=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ["/api/earnings?source=Network'--", 'source'],
    ])('refuses %s with 400 naming %s', async (path, field) => {
      const response = await api(app, 'GET', path, { token: user.accessToken });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('ValidationError');
      expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    });
  });

  describe('referrals', () => {
    it('lists direct referrals with status filter and cursor, and summarizes them', async () => {
      const referrer = await registerUser(app);
      const referees: RegisteredUser[] = [];
      for (let i = 0; i < 3; i++) referees.push(await registerUser(app, { referral_code: referrer.referralCode }));
      // A second-tier referee is not a direct referral of `referrer`.
      await registerUser(app, { referral_code: referees[0]!.referralCode });

      const list = await api(app, 'GET', '/api/referrals?limit=2', { token: referrer.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(2);
      expect(list.body.items[0]).toEqual({
        id: expect.any(Number),
        referrer_id: referrer.id,
        referee_id: referees[2]!.id,
        referee_username: referees[2]!.username,
        status: 'Pending',
        points: 0,
        created_at: expect.any(String),
      });
      const rest = await api(app, 'GET', `/api/referrals?limit=2&cursor=${list.body.next_cursor}`, { token: referrer.accessToken });
      expect(rest.body.items.map((item: { referee_id: number }) => item.referee_id)).toEqual([referees[0]!.id]);
      expect(rest.body.next_cursor).toBeNull();

      expect((await api(app, 'GET', '/api/referrals?status=Rewarded', { token: referrer.accessToken })).body.items).toEqual([]);
      expect((await api(app, 'GET', '/api/referrals?status=Pending', { token: referrer.accessToken })).body.items).toHaveLength(3);
      expect((await api(app, 'GET', '/api/referrals?status=pending', { token: referrer.accessToken })).status).toBe(400);

      const summary = await api(app, 'GET', '/api/referrals/summary', { token: referrer.accessToken });
      expect(summary.body).toEqual({ referral_code: referrer.referralCode, total: 3, pending: 3, completed: 0, rewarded: 0, points: 0 });
    });

    it('announces a new referral to the referrer', async () => {
      const referrer = await registerUser(app);
      const events: DomainEvent[] = [];
      const stop = app.server.app.get(EventBus).subscribeUser(referrer.id, (event) => events.push(event));
      await registerUser(app, { referral_code: referrer.referralCode });
      await waitUntil(() => events.length >= 2);
      stop();
      // Its referral data changed, and it has a notification (referral.joined).
      expect([...events].sort((a, b) => a.type.localeCompare(b.type))).toEqual([
        { type: 'notification.changed', userIds: [referrer.id] },
        { type: 'referral.changed', userIds: [referrer.id] },
      ]);
    });

    it('stores no referral for a self-made cycle (the database refuses self-referral)', async () => {
      const user = await registerUser(app);
      await expect(
        sql(app.database.url, 'INSERT INTO referrals (referrer_id, referee_id) VALUES ($1, $1)', [user.id]),
      ).rejects.toThrow(/ck_referrals_not_self/);
    });
  });
});
