import { api, registerUser, RegisteredUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { linkWallet } from '../support/wallet';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Webhook endpoints with real receivers: Standard Webhooks signatures verified with the
 * `standardwebhooks` package, at-least-once with a stable webhook-id, retries and disabling,
 * and SSRF refusals at registration and at delivery.
 */
describe('webhooks', () => {
  describe('delivery (private addresses allowed, as in development)', () => {
    let app: TestApp;
    const receivers: WebhookReceiver[] = [];

    beforeAll(async () => {
      app = await startTestApp({
        label: 'webhooks',
        env: {
          WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
          WEBHOOK_RETRY_DELAYS_MS: '300,300',
          WEBHOOK_TIMEOUT_MS: '2000',
          NOTIFICATIONS_PER_USER_PER_HOUR: '6',
        },
      });
    });
    afterAll(async () => {
      await app?.close();
      await Promise.all(receivers.map((receiver) => receiver.close()));
    });

    async function receiverFor(user: RegisteredUser, script?: Parameters<typeof WebhookReceiver.start>[0]): Promise<WebhookReceiver> {
      const receiver = await WebhookReceiver.start(script);
      receivers.push(receiver);
      const response = await api(app, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body: { url: receiver.url } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ url: receiver.url, secret: expect.stringMatching(/^whsec_/) });
      receiver.secret = response.body.secret;
      return receiver;
    }

    const deliveries = async (user: RegisteredUser) =>
      (await api(app, 'GET', '/api/notifications/webhook/deliveries', { token: user.accessToken })).body.items as any[];

    it('shows the secret once and sends a signed test event', async () => {
      const user = await registerUser(app);
      const receiver = await receiverFor(user);
      const shown = await api(app, 'GET', '/api/notifications/webhook', { token: user.accessToken });
      expect(shown.status).toBe(200);
      expect(shown.body).toEqual({ url: receiver.url, disabled_at: null, created_at: expect.any(String) });
      expect(JSON.stringify(shown.body)).not.toContain('whsec_');

      expect((await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken })).status).toBe(202);
      await receiver.waitFor(() => receiver.received.length === 1);
      const [hook] = receiver.received;
      expect(hook!.payload).toEqual({ type: 'webhook.test', timestamp: expect.any(String), data: { message: expect.any(String) } });
      expect(hook!.headers['content-type']).toBe('application/json');
      expect(hook!.id).toMatch(/^msg_\d+$/);
      // A wrong secret does not verify: the signature really is over this body.
      receiver.secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      expect((await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken })).status).toBe(202);
      await receiver.waitFor(() => receiver.received.length === 2);
      expect(receiver.received[1]!.payload).toBeNull();
      // Test events are not in the feed.
      expect((await api(app, 'GET', '/api/notifications', { token: user.accessToken })).body.items).toEqual([]);
    });

    const storedSecret = async (user: RegisteredUser): Promise<string> =>
      ((await sql(app.database.url, `SELECT secret FROM webhook_endpoints WHERE user_id = $1`, [user.id])) as Array<{ secret: string }>)[0]!.secret;

    it('stores the secret sealed: the row holds no part of it, and deliveries are signed with it', async () => {
      const user = await registerUser(app);
      const receiver = await receiverFor(user);
      const stored = await storedSecret(user);
      expect(stored).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
      expect(stored).not.toContain(receiver.secret!.slice('whsec_'.length, 'whsec_'.length + 12));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await receiver.waitFor(() => receiver.received.length === 1);
      expect(receiver.received[0]!.payload).toMatchObject({ type: 'webhook.test' });
    });

    it('seals secrets stored in plaintext when an instance boots, and they still sign', async () => {
      const user = await registerUser(app);
      const receiver = await WebhookReceiver.start();
      receivers.push(receiver);
      receiver.secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
      // As a row written before sealing existed.
      await sql(app.database.url, `INSERT INTO webhook_endpoints (user_id, url, secret) VALUES ($1, $2, $3)`, [user.id, receiver.url, receiver.secret]);
      const second = await startTestApp({ label: 'webhooks-boot', database: app.database, env: { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' } });
      await second.close();
      const stored = await storedSecret(user);
      expect(stored).toMatch(/^v1\./);
      expect(stored).not.toContain('AwMDAwMD');
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await receiver.waitFor(() => receiver.received.length === 1);
      expect(receiver.received[0]!.payload).toMatchObject({ type: 'webhook.test' });
    });

    it('never signs with a secret it cannot open (another user’s sealed value): the attempts fail and the owner is told', async () => {
      const owner = await registerUser(app);
      await receiverFor(owner);
      const user = await registerUser(app);
      const receiver = await receiverFor(user);
      await sql(app.database.url, `UPDATE webhook_endpoints SET secret = $2 WHERE user_id = $1`, [user.id, await storedSecret(owner)]);
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.status === 'failed', { timeoutMs: 20_000, what: 'the delivery to fail' });
      expect(receiver.received).toEqual([]);
      const [delivery] = await deliveries(user);
      expect(delivery).toMatchObject({ attempts: 3, response_code: null, response_excerpt: 'signing secret cannot be opened: register the endpoint again' });
      const feed = await api(app, 'GET', '/api/notifications', { token: user.accessToken });
      expect(feed.body.items).toEqual([expect.objectContaining({ type: 'webhook.disabled' })]);
    });

    it('retries a receiver answering 500, then 200, with the same webhook-id, and nothing more', async () => {
      const user = await registerUser(app);
      const receiver = await receiverFor(user, (n) => ({ status: n === 0 ? 500 : 200, body: n === 0 ? 'boom' : 'ok' }));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.status === 'delivered', { timeoutMs: 20_000, what: 'the retry to succeed' });
      expect(receiver.received.map((hook) => hook.answered)).toEqual([500, 200]);
      expect(receiver.received[0]!.id).toBe(receiver.received[1]!.id);
      expect(receiver.received.every((hook) => hook.payload !== null)).toBe(true);
      expect(Number(receiver.received[1]!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Number(receiver.received[0]!.headers['webhook-timestamp']));
      const [delivery] = await deliveries(user);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, response_code: 200, response_excerpt: 'ok', next_retry_at: null, webhook_id: receiver.received[0]!.id });
    });

    it('disables the endpoint when the retries run out, and says so in the feed', async () => {
      const user = await registerUser(app);
      const receiver = await receiverFor(user, () => ({ status: 503, body: 'down' }));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.status === 'failed', { timeoutMs: 20_000, what: 'the delivery to fail' });
      expect(receiver.received.map((hook) => hook.answered)).toEqual([503, 503, 503]);
      expect(new Set(receiver.received.map((hook) => hook.id)).size).toBe(1);
      const endpoint = await api(app, 'GET', '/api/notifications/webhook', { token: user.accessToken });
      expect(Date.parse(endpoint.body.disabled_at)).not.toBeNaN();
      const feed = await api(app, 'GET', '/api/notifications', { token: user.accessToken });
      expect(feed.body.items).toEqual([
        expect.objectContaining({ type: 'webhook.disabled', data: { url: receiver.url, reason: 'HTTP 503' }, read_at: null }),
      ]);
      const refused = await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      expect(refused.status).toBe(409);
      // Registering it again enables it, with a new secret.
      const again = await api(app, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body: { url: receiver.url } });
      expect(again.body.secret).not.toBe(receiver.secret);
      expect((await api(app, 'GET', '/api/notifications/webhook', { token: user.accessToken })).body.disabled_at).toBeNull();
    });

    it('does not follow redirects', async () => {
      const user = await registerUser(app);
      const target = await WebhookReceiver.start();
      receivers.push(target);
      const receiver = await receiverFor(user, () => ({ status: 302, location: target.url }));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.status === 'failed', { timeoutMs: 20_000, what: 'the delivery to fail' });
      expect(receiver.received).toHaveLength(3);
      expect(target.received).toEqual([]);
      expect((await deliveries(user))[0]).toMatchObject({ response_code: 302 });
    });

    it('gives up an attempt after WEBHOOK_TIMEOUT_MS and retries it', async () => {
      const user = await registerUser(app);
      const receiver = await receiverFor(user, (n) => (n === 0 ? { status: 200, hang: true } : { status: 200 }));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.status === 'delivered', { timeoutMs: 20_000, what: 'delivery after a timeout' });
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[0]!.id).toBe(receiver.received[1]!.id);
      expect((await deliveries(user))[0]).toMatchObject({ attempts: 2, response_code: 200 });
    });

    it('keeps no more of an answer than a short excerpt', async () => {
      const user = await registerUser(app);
      await receiverFor(user, () => ({ status: 200, body: `${'x'.repeat(100_000)}` }));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.status === 'delivered', { timeoutMs: 20_000, what: 'delivery' });
      expect((await deliveries(user))[0].response_excerpt).toBe('x'.repeat(256));
    });

    it('cancels pending deliveries when the endpoint is removed', async () => {
      const user = await registerUser(app);
      await receiverFor(user, () => ({ status: 500 }));
      await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken });
      await waitUntil(async () => (await deliveries(user))[0]?.attempts >= 1, { timeoutMs: 20_000, what: 'a first attempt' });
      expect((await api(app, 'DELETE', '/api/notifications/webhook', { token: user.accessToken })).status).toBe(204);
      expect((await deliveries(user)).map((delivery) => delivery.status)).toEqual(['cancelled']);
      expect((await api(app, 'GET', '/api/notifications/webhook', { token: user.accessToken })).status).toBe(404);
      expect((await api(app, 'DELETE', '/api/notifications/webhook', { token: user.accessToken })).status).toBe(204);
      expect((await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken })).status).toBe(404);
    });

    it('sends no more than NOTIFICATIONS_PER_USER_PER_HOUR to the endpoint; the feed keeps the rest', async () => {
      const user = await registerUser(app);
      const receiver = await receiverFor(user);
      for (let i = 0; i < 4; i++) expect((await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken })).status).toBe(202);
      // In-app notifications count too: a new wallet, then a few more.
      const wallets: string[] = [];
      for (let i = 0; i < 4; i++) wallets.push((await linkWallet(app, user.accessToken)).address);
      await waitUntil(async () => (await deliveries(user)).every((delivery) => delivery.status === 'delivered') && receiver.received.length === 6, {
        timeoutMs: 20_000,
        what: 'six deliveries',
      });
      // Six went out: four tests and the first two wallet changes; all four wallet changes are in the feed.
      expect((await deliveries(user)).map((delivery) => delivery.type).sort()).toEqual([
        'security.wallet_linked',
        'security.wallet_linked',
        'webhook.test',
        'webhook.test',
        'webhook.test',
        'webhook.test',
      ]);
      const feed = await api(app, 'GET', '/api/notifications', { token: user.accessToken });
      expect(feed.body.items.map((item: any) => item.data.address)).toEqual([...wallets].reverse());
    });

    it('refuses link-local and metadata addresses even when private ones are allowed', async () => {
      const user = await registerUser(app);
      for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x', 'http://0.0.0.0:80/', 'http://224.0.0.1/']) {
        const response = await api(app, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body: { url } });
        expect([url, response.status, response.body.error]).toEqual([url, 400, 'ValidationError']);
      }
    });
  });

  describe('SSRF protection (the production setting)', () => {
    let app: TestApp;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      receiver = await WebhookReceiver.start();
      app = await startTestApp({ label: 'ssrf', env: { WEBHOOK_RETRY_DELAYS_MS: '100', WEBHOOK_TIMEOUT_MS: '2000' } });
    });
    afterAll(async () => {
      await app?.close();
      await receiver?.close();
    });

    it.each([
      ['loopback without the flag', () => receiver.url],
      ['a hostname resolving to loopback', () => receiver.url.replace('127.0.0.1', 'localhost')],
      ['an IPv4-mapped IPv6 loopback', () => receiver.url.replace('127.0.0.1', '[::ffff:127.0.0.1]')],
      ['a private range', () => 'http://10.1.2.3/hook'],
      ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
      ['not http(s)', () => 'ftp://example.com/hook'],
      ['credentials in the URL', () => 'https://user:pass@example.com/hook'],
      ['not a URL', () => 'hooks.example.com'],
    ])('refuses %s at registration', async (_name, url) => {
      const user = await registerUser(app);
      const response = await api(app, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body: { url: url() } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'ValidationError', details: [{ field: 'url' }] });
      expect((await api(app, 'GET', '/api/notifications/webhook', { token: user.accessToken })).status).toBe(404);
    });

    it.each([
      ['no url', {}],
      ['a number', { url: 42 }],
      ['an empty url', { url: '' }],
      ['a NUL character', { url: 'https://x.example/\u0000' }],
      ['a url over 2048 characters', { url: `https://example.com/${'a'.repeat(2100)}` }],
      ['an unknown field', { url: 'https://example.com', extra: 1 }],
    ])('answers 400 to a body with %s', async (_name, body) => {
      const user = await registerUser(app);
      const response = await api(app, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body });
      expect([response.status, response.body.error]).toEqual([400, 'ValidationError']);
    });

    it('checks the address again at delivery: an endpoint that now points inward gets nothing', async () => {
      const user = await registerUser(app);
      // As if DNS changed after registration: the stored URL now leads to loopback.
      await sql(app.database.url, `INSERT INTO webhook_endpoints (user_id, url, secret) VALUES ($1, $2, $3)`, [
        user.id,
        receiver.url.replace('127.0.0.1', 'localhost'),
        `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
      ]);
      expect((await api(app, 'POST', '/api/notifications/webhook/test', { token: user.accessToken })).status).toBe(202);
      const deliveries = async () => (await api(app, 'GET', '/api/notifications/webhook/deliveries', { token: user.accessToken })).body.items;
      await waitUntil(async () => (await deliveries())[0]?.status === 'failed', { timeoutMs: 20_000, what: 'the refused delivery to fail' });
      const [delivery] = await deliveries();
      expect(delivery).toMatchObject({ attempts: 2, response_code: null });
      expect(delivery.response_excerpt).toMatch(/^refused: localhost resolves to 127\.0\.0\.1 is a loopback address/);
      expect(receiver.received).toEqual([]);
    });
  });
});
