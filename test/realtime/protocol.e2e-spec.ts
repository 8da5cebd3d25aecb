import { createHmac } from 'node:crypto';
import { pack } from 'msgpackr';
import { AdminService } from '../../src/modules/admin/admin.service';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';

describe('WebSocket protocol', () => {
  let app: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'ws_protocol',
      env: { HEARTBEAT_INTERVAL_MS: '1000', CLIENT_TIMEOUT_MS: '3000', CONNECT_TIMEOUT_MS: '1500', WS_MAX_MESSAGE_BYTES: '1024' },
    });
    user = await registerUser(app);
  });
  afterAll(() => app.close());

  const open = (path = '/ws/dashboard', options: Parameters<typeof TestSocket.open>[2] = {}) =>
    TestSocket.open(app.wsUrl, path, { token: user.accessToken, ...options });

  describe('authentication at the upgrade', () => {
    it('accepts the token in the Authorization header or the query', async () => {
      for (const tokenInQuery of [false, true]) {
        const socket = await open('/ws/dashboard', { tokenInQuery });
        const connected = await socket.connect({ device_id: 'viewer-1', role: 'viewer' });
        expect(connected.payload.user_id).toBe(user.id);
        socket.close();
      }
    });

    it.each([
      ['no token', undefined, 'Unauthorized'],
      ['garbage', 'not-a-jwt', 'Unauthorized'],
      ['wrong signature', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2lnbmF0dXJl', 'Unauthorized'],
    ])('with %s: accepts the upgrade, sends Error and closes 4401', async (_case, token, error) => {
      const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token });
      expect(await socket.next()).toEqual({ type: 'Error', payload: { error, message: expect.any(String) } });
      expect((await socket.closed).code).toBe(4401);
    });

    it('sends SessionExpired for an expired token', async () => {
      const [header, body] = user.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
      const expiredBody = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 5 })).toString('base64url');
      const signature = createHmac('sha256', TEST_JWT_SECRET).update(`${header}.${expiredBody}`).digest('base64url');
      const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: `${header}.${expiredBody}.${signature}` });
      expect((await socket.next()).payload.error).toBe('SessionExpired');
      expect((await socket.closed).code).toBe(4401);
    });
  });

  describe('Connect handshake', () => {
    it('answers Connected, then the full snapshot of /ws/dashboard', async () => {
      const socket = await open();
      const everything = ['NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate', 'NotificationUpdate'];
      const connected = await socket.connect({ device_id: 'node-a', network_name: 'Home', user_id: user.id, updates: everything });
      expect(connected.payload).toEqual({
        session_id: expect.any(String),
        user_id: user.id,
        device_id: 'node-a',
        role: 'node',
        heartbeat_interval_ms: 1000,
        server_time: expect.stringMatching(/Z$/),
      });
      const snapshot = [await socket.next(), await socket.next(), await socket.next(), await socket.next()];
      expect(snapshot.map((frame) => frame.type)).toEqual(['NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate', 'NotificationUpdate']);
      expect(snapshot[0]!.payload.networks).toEqual([
        expect.objectContaining({ device_id: 'node-a', network_name: 'Home', connected: true, ip_address: '127.0.0.1' }),
      ]);
      expect(snapshot[1]!.payload.earnings).toMatchObject({ total: 0, by_source: { network: 0, referral: 0, bonus: 0 } });
      expect(snapshot[2]!.payload.referrals).toEqual({
        referral_code: user.referralCode,
        total: 0,
        pending: 0,
        completed: 0,
        rewarded: 0,
        points: 0,
      });
      socket.close();
    });

    it('sends each single-purpose endpoint its one type, viewers only', async () => {
      const earnings = await open('/ws/earnings');
      await earnings.connect({ device_id: 'tab-1' });
      expect((await earnings.next()).type).toBe('EarningsUpdate');
      const referrals = await open('/ws/referrals');
      const connected = await referrals.connect({ device_id: 'tab-2' });
      expect(connected.payload.role).toBe('viewer');
      expect((await referrals.next()).type).toBe('ReferralUpdate');

      // A node role is refused there, and the socket may Connect again.
      const wrongRole = await open('/ws/earnings');
      wrongRole.send({ type: 'Connect', payload: { device_id: 'x', role: 'node' } });
      expect((await wrongRole.next()).payload.error).toBe('InvalidNetworkData');
      await wrongRole.connect({ device_id: 'x', role: 'viewer' });
      for (const socket of [earnings, referrals, wrongRole]) socket.close();
    });

    it.each([
      [{ device_id: '' }],
      [{ device_id: 'has space' }],
      [{ device_id: 'x'.repeat(65) }],
      [{ device_id: 42 }],
      [{}],
      [{ device_id: 'ok', network_name: '' }],
      [{ device_id: 'ok', network_name: 'bell\u0007' }],
      [{ device_id: 'ok', network_name: 'n'.repeat(65) }],
      [{ device_id: 'ok', role: 'admin' }],
      [{ device_id: 'ok', user_id: 'me' }],
    ])('refuses Connect %j with InvalidNetworkData and keeps the socket open', async (payload) => {
      const socket = await open();
      socket.sendInvalid({ type: 'Connect', payload });
      expect(await socket.next()).toEqual({ type: 'Error', payload: { error: 'InvalidNetworkData', message: expect.any(String) } });
      const connected = await socket.connect({ device_id: 'retry-ok', role: 'viewer' });
      expect(connected.payload.device_id).toBe('retry-ok');
      socket.close();
    });

    it('closes with 4401 when user_id is not the token’s user', async () => {
      const socket = await open();
      socket.send({ type: 'Connect', payload: { device_id: 'x', user_id: user.id + 1000 } });
      expect((await socket.next()).payload.error).toBe('Unauthorized');
      expect((await socket.closed).code).toBe(4401);
    });

    it('closes with 4408 when no Connect comes in time', async () => {
      const socket = await open();
      expect(await socket.next()).toEqual({ type: 'Disconnect', payload: { reason: 'no Connect in time' } });
      expect((await socket.closed).code).toBe(4408);
    });
  });

  describe('messages', () => {
    it('answers Heartbeat, and refuses it before Connect', async () => {
      const socket = await open();
      socket.send({ type: 'Heartbeat' });
      expect((await socket.next()).payload).toEqual({ error: 'MessageParseError', message: 'Send Connect first' });
      await socket.connect({ device_id: 'hb', role: 'viewer' });
      socket.send({ type: 'Heartbeat' });
      expect(await socket.next('Heartbeat')).toEqual({ type: 'Heartbeat' });
      socket.close();
    });

    it.each([
      ['not JSON', '{"type": "Heartbeat"'],
      ['an array', '[1,2,3]'],
      ['a number', '42'],
      ['no type', '{"payload": {}}'],
      ['an unknown type', '{"type": "Mine"}'],
      ['a server-only type', '{"type": "EarningsUpdate", "payload": {"earnings": {}}}'],
      ['deeply nested JSON', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['a prototype key', '{"type": "Connect", "payload": {"__proto__": {"device_id": "x"}}}'],
    ])('answers %s with MessageParseError or InvalidNetworkData and stays open', async (_case, raw) => {
      const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
      await waitUntil(() => socket.ws.readyState === socket.ws.OPEN);
      socket.sendRaw(raw.length > 1024 ? raw.slice(0, 1000) : raw);
      const error = await socket.next('Error');
      expect(['MessageParseError', 'InvalidNetworkData']).toContain(error.payload.error);
      await socket.connect({ device_id: 'after-garbage', role: 'viewer' });
      socket.close();
    });

    it('answers binary garbage with MessageParseError', async () => {
      const socket = await open();
      socket.sendRaw(Buffer.from([0xc1, 0xff, 0x00, 0x13]));
      expect((await socket.next('Error')).payload.error).toBe('MessageParseError');
      socket.sendRaw(pack({ type: 'Unknown' }));
      expect((await socket.next('Error')).payload.error).toBe('MessageParseError');
      await socket.connect({ device_id: 'after-binary', role: 'viewer' });
      socket.close();
    });

    it('closes with 1009 on a frame over WS_MAX_MESSAGE_BYTES', async () => {
      const socket = await open();
      socket.sendRaw(JSON.stringify({ type: 'Heartbeat', padding: 'x'.repeat(2048) }));
      expect((await socket.closed).code).toBe(1009);
    });

    it('speaks MessagePack with ?format=msgpack', async () => {
      const socket = await open('/ws/dashboard', { format: 'msgpack' });
      const connected = await socket.connect({ device_id: 'mp-node', role: 'viewer' });
      expect(connected.payload.user_id).toBe(user.id);
      expect((await socket.next()).type).toBe('NetworkUpdate');
      socket.send({ type: 'Heartbeat' });
      expect(await socket.next('Heartbeat')).toEqual({ type: 'Heartbeat' });
      socket.close();
    });

    it('Disconnect marks the node offline and closes with 1000', async () => {
      const socket = await open();
      await socket.connect({ device_id: 'leaving' });
      socket.send({ type: 'Disconnect' });
      expect((await socket.closed).code).toBe(1000);
      await waitUntil(async () => {
        const [row] = await sql<{ connected: boolean }>(
          app.database.url,
          `SELECT connected FROM network_connections WHERE user_id = $1 AND device_id = 'leaving'`,
          [user.id],
        );
        return row?.connected === false;
      });
    });

    it('closes a silent socket with 4000', async () => {
      const socket = await open();
      await socket.connect({ device_id: 'silent', role: 'viewer' });
      expect(await socket.next('Disconnect')).toEqual({ type: 'Disconnect', payload: { reason: 'heartbeat timeout' } });
      expect((await socket.closed).code).toBe(4000);
    });
  });

  describe('sessions', () => {
    it('replaces a node session of the same device with 4001; viewers are never replaced', async () => {
      const first = await open();
      await first.connect({ device_id: 'phone' });
      const viewer1 = await open();
      await viewer1.connect({ device_id: 'phone', role: 'viewer' });
      const second = await open();
      await second.connect({ device_id: 'phone' });
      expect(await first.next('Disconnect')).toEqual({ type: 'Disconnect', payload: { reason: expect.stringContaining('replaced') } });
      expect((await first.closed).code).toBe(4001);
      const viewer2 = await open();
      await viewer2.connect({ device_id: 'phone', role: 'viewer' });
      viewer1.send({ type: 'Heartbeat' });
      expect((await viewer1.next('Heartbeat')).type).toBe('Heartbeat');
      // The node stays connected under its new session.
      const nodes = await api(app, 'GET', '/api/networks', { token: user.accessToken });
      expect(nodes.body.items.find((node: { device_id: string }) => node.device_id === 'phone').connected).toBe(true);
      for (const socket of [second, viewer1, viewer2]) socket.close();
    });

    it('closes a deleted node’s session with 4001', async () => {
      const socket = await open();
      await socket.connect({ device_id: 'to-delete' });
      const node = (await socket.next('NodeUpdate')).payload.node;
      expect(node.device_id).toBe('to-delete');
      expect((await api(app, 'DELETE', `/api/networks/${node.id}`, { token: user.accessToken })).status).toBe(204);
      expect((await socket.next('Disconnect')).payload.reason).toBe('node deleted');
      expect((await socket.closed).code).toBe(4001);
    });

    it('closes every socket of a disabled user with 4401', async () => {
      const admin = await registerUser(app);
      const victim = await registerUser(app);
      const sockets = await Promise.all(
        ['/ws/dashboard', '/ws/earnings'].map((path) => TestSocket.open(app.wsUrl, path, { token: victim.accessToken })),
      );
      await sockets[0]!.connect({ device_id: 'v-node' });
      await sockets[1]!.connect({ device_id: 'v-tab' });
      // Disable through the service (the admin route itself is covered by the admin tests).
      await app.server.app.get(AdminService).disable(admin.id, victim.id);
      for (const socket of sockets) {
        expect((await socket.next('Error')).payload.error).toBe('Unauthorized');
        expect((await socket.closed).code).toBe(4401);
      }
    });
  });

  it('counts connections, messages and closes in /metrics', async () => {
    const socket = await open('/ws/referrals');
    await socket.connect({ device_id: 'metrics-tab' });
    const text = await fetch(`${app.url}/metrics`).then((response) => response.text());
    expect(text).toMatch(/^dashboard_ws_connections\{endpoint="referrals"\} [1-9]/m);
    expect(text).toMatch(/^dashboard_ws_messages_received_total\{endpoint="referrals",type="Connect"\} [1-9]/m);
    expect(text).toMatch(/^dashboard_ws_messages_sent_total\{endpoint="referrals",type="Connected"\} [1-9]/m);
    expect(text).toMatch(/^dashboard_ws_closes_total\{endpoint="dashboard",code="4401"\} [1-9]/m);
    socket.close();
  });
});
