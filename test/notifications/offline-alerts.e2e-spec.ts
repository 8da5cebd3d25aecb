import { NodeAlertsJob } from '../../src/modules/notification/node-alerts.job';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { SmtpSink } from '../support/smtp-sink';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';
import { Frame, TestSocket, unreadShown } from '../support/ws-client';

const ALERT_MS = 3_000;

/**
 * node.offline / node.online end to end on one instance, through every channel: the feed, the
 * live socket, a real webhook receiver verifying Standard Webhooks signatures, and a real SMTP
 * server. NODE_OFFLINE_ALERT_MS is short here (3 s instead of 10 min).
 */
describe('node offline alerts', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let smtp: SmtpSink;

  beforeAll(async () => {
    [receiver, smtp] = await Promise.all([WebhookReceiver.start(), SmtpSink.start()]);
    app = await startTestApp({
      label: 'alerts',
      env: {
        NODE_OFFLINE_ALERT_MS: String(ALERT_MS),
        HEARTBEAT_INTERVAL_MS: '100',
        CLIENT_TIMEOUT_MS: '5000',
        EARNINGS_FLUSH_MS: '200',
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
        SMTP_URL: smtp.url,
        EMAIL_BATCH_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([receiver?.close(), smtp?.close()]);
  });

  const alerts = () => app.server.app.get(NodeAlertsJob);

  async function withWebhook(user: RegisteredUser): Promise<void> {
    const response = await api(app, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body: { url: receiver.url } });
    expect(response.status).toBe(200);
    expect(response.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secret = response.body.secret;
  }

  async function node(user: RegisteredUser, deviceId: string, name = deviceId): Promise<TestSocket> {
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await socket.connect({ device_id: deviceId, network_name: name });
    socket.send({ type: 'Heartbeat' });
    await socket.next('Heartbeat');
    return socket;
  }

  async function drop(socket: TestSocket): Promise<void> {
    socket.send({ type: 'Disconnect' });
    await socket.closed;
  }

  async function nextNotification(socket: TestSocket): Promise<Frame> {
    return socket.next('Notification', 20_000);
  }

  async function feed(user: RegisteredUser): Promise<any> {
    const response = await api(app, 'GET', '/api/notifications?limit=200', { token: user.accessToken });
    expect(response.status).toBe(200);
    return response.body;
  }

  const emailItems = (user: RegisteredUser, type: string) =>
    smtp
      .to(user.email)
      .flatMap((mail) => (mail.text ?? '').split('\n'))
      .filter((line) => line.startsWith('- ') && line.includes(type === 'node.offline' ? ' is offline' : ' is back online'));

  it('a node that drops and comes back raises exactly one node.offline and one node.online in feed, socket, webhook and email', async () => {
    const user = await registerUser(app);
    await withWebhook(user);
    const viewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await viewer.connect({ device_id: 'browser', role: 'viewer' });
    expect((await viewer.next('NotificationUpdate')).payload).toEqual({ unread: 0 });

    const rig = await node(user, 'rig-1', 'Rig <one>');
    await drop(rig);
    const offline = await nextNotification(viewer);
    expect(offline.payload.notification).toMatchObject({ type: 'node.offline', read_at: null, data: { device_id: 'rig-1', network_name: 'Rig <one>' } });
    expect(typeof offline.payload.notification.data.node_id).toBe('number');
    expect(Date.parse(offline.payload.notification.data.last_seen)).not.toBeNaN();
    await waitUntil(() => unreadShown(viewer) === 1, { what: 'unread 1' });

    const back = await node(user, 'rig-1', 'Rig <one>');
    const online = await nextNotification(viewer);
    expect(online.payload.notification).toMatchObject({ type: 'node.online', data: { device_id: 'rig-1' } });
    expect(online.payload.notification.data.offline_seconds).toBeGreaterThanOrEqual(ALERT_MS / 1000 - 1);

    await receiver.waitFor(() => receiver.ofType('node.online').length === 1, 20_000, 'node.online by webhook');
    await waitUntil(() => emailItems(user, 'node.online').length === 1, { timeoutMs: 20_000, what: 'node.online by email' });
    // Nothing else is due: a pass now records nothing.
    expect(await alerts().run()).toEqual({ offline: 0, online: 0 });

    const body = await feed(user);
    expect(body.items.map((item: any) => item.type)).toEqual(['node.online', 'node.offline']);
    expect(body.unread).toBe(2);
    expect(body.items[1].id).toBe(offline.payload.notification.id);
    const hooks = receiver.received.filter((hook) => hook.payload?.data?.device_id === 'rig-1');
    expect(hooks.map((hook) => hook.payload!.type)).toEqual(['node.offline', 'node.online']);
    // Every delivery verified, and identified by its notification.
    expect(hooks.map((hook) => hook.id)).toEqual([`msg_${body.items[1].id}`, `msg_${body.items[0].id}`]);
    expect(hooks[0]!.payload!.data).toEqual(body.items[1].data);
    expect(emailItems(user, 'node.offline')).toHaveLength(1);
    expect(emailItems(user, 'node.offline')[0]).toContain('Node "Rig <one>" (rig-1) is offline');
    expect(viewer.frames.filter((frame) => frame.type === 'Notification')).toHaveLength(2);

    const deliveries = await api(app, 'GET', '/api/notifications/webhook/deliveries', { token: user.accessToken });
    expect(deliveries.body.items.map((item: any) => [item.type, item.status, item.attempts, item.response_code, item.next_retry_at])).toEqual([
      ['node.online', 'delivered', 1, 204, null],
      ['node.offline', 'delivered', 1, 204, null],
    ]);
    back.close();
    viewer.close();
  });

  it('a flapping node raises nothing while each drop is shorter than NODE_OFFLINE_ALERT_MS', async () => {
    const user = await registerUser(app);
    let socket = await node(user, 'flappy');
    for (let i = 0; i < 5; i++) {
      await drop(socket);
      socket = await node(user, 'flappy');
    }
    await drop(socket);
    socket = await node(user, 'flappy');
    // Every outage is over (the node is connected), so no pass can alert for this node.
    expect(await alerts().run()).toEqual({ offline: 0, online: 0 });
    expect((await feed(user)).items).toEqual([]);
    socket.close();
  });

  it('alerts a node at most once per NODE_OFFLINE_ALERT_MS, once per outage', async () => {
    const user = await registerUser(app);
    await drop(await node(user, 'twice'));
    await waitUntil(async () => (await feed(user)).items.length === 1, { timeoutMs: 20_000, what: 'first node.offline' });
    const socket = await node(user, 'twice');
    await waitUntil(async () => (await feed(user)).items.length === 2, { timeoutMs: 20_000, what: 'node.online' });
    await drop(socket);
    await waitUntil(async () => (await feed(user)).items.length === 3, { timeoutMs: 20_000, what: 'second node.offline' });
    const items = (await feed(user)).items;
    expect(items.map((item: any) => item.type)).toEqual(['node.offline', 'node.online', 'node.offline']);
    expect(Date.parse(items[0].created_at) - Date.parse(items[2].created_at)).toBeGreaterThanOrEqual(ALERT_MS - 50);
  });

  it('sends one email for a whole outage and honours its unsubscribe link', async () => {
    const user = await registerUser(app);
    const sockets = await Promise.all(Array.from({ length: 25 }, (_, i) => node(user, `farm-${i}`, `Farm ${i}`)));
    await Promise.all(sockets.map(drop));
    await waitUntil(() => emailItems(user, 'node.offline').length === 25, { timeoutMs: 30_000, what: '25 nodes in email' });
    const mails = smtp.to(user.email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe('25 nodes went offline');
    expect(mail!.html).toContain('Farm 24');
    const link = /(http:\/\/\S+\/api\/notifications\/unsubscribe\?token=\S+)/.exec(mail!.text ?? '')![1]!;
    const listHeaders = mail!.headerLines.filter((header) => header.key.startsWith('list-')).map((header) => header.line.replace(/\s+/g, ' '));
    expect(listHeaders).toEqual([
      expect.stringMatching(/^List-Unsubscribe: <http:\/\/\S+\/api\/notifications\/unsubscribe\?token=1?\d+\.node\.offline\.[\w-]+>$/),
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    ]);
    const path = link.replace(/^http:\/\/[^/]+/, '');

    // Opening the link changes nothing (mail scanners open links); the confirmation POST does.
    const page = await fetch(`${app.url}${path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<form method="post"');
    const before = await api(app, 'GET', '/api/notifications/preferences', { token: user.accessToken });
    expect(before.body.preferences.find((p: any) => p.type === 'node.offline')).toEqual({ type: 'node.offline', in_app: true, webhook: true, email: true });
    const confirmed = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('node.offline');
    const after = await api(app, 'GET', '/api/notifications/preferences', { token: user.accessToken });
    expect(after.body.preferences.find((p: any) => p.type === 'node.offline')).toEqual({ type: 'node.offline', in_app: true, webhook: true, email: false });
    expect(after.body.preferences.find((p: any) => p.type === 'node.online')).toMatchObject({ email: true });

    const forged = await fetch(`${app.url}${path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`, { method: 'POST' });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: 'ValidationError' });
    // The feed has all 25.
    expect((await feed(user)).items.filter((item: any) => item.type === 'node.offline')).toHaveLength(25);
  });

  it('marks nodes left connected by a crash offline at start, then alerts them', async () => {
    const user = await registerUser(app);
    // A node row the database believes connected, as a crashed single instance leaves it.
    await sql(
      app.database.url,
      `INSERT INTO network_connections (user_id, device_id, network_name, connected, session_id, last_seen_at, connected_at)
       VALUES ($1, 'ghost', 'ghost', false, 'gone', now() - interval '1 hour', now() - interval '2 hours')`,
      [user.id],
    );
    await sql(app.database.url, `UPDATE network_connections SET disconnected_at = now() - interval '1 hour' WHERE device_id = 'ghost'`);
    // The job's own timer (every 750 ms here) may get there before this pass: whichever pass
    // claims the row, the ghost is alerted once, and no later pass alerts it again.
    await alerts().run();
    await waitUntil(async () => (await feed(user)).items.length > 0, { what: "the ghost node's alert" });
    expect(await alerts().run()).toEqual({ offline: 0, online: 0 });
    expect((await feed(user)).items.map((item: any) => `${item.type} ${item.data.device_id}`)).toEqual(['node.offline ghost']);
  });
});
