import type { Browser, Page } from 'playwright-core';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { TestSocket } from '../support/ws-client';
import { BrowserGuard, launchChromium } from './chromium';

const byTestId = (testId: string): string => `[data-testid="${testId}"]`;

/**
 * The notification bell, its panel and the settings page in headless Chromium against the real
 * service: a node drops and the bell follows live; preferences and the webhook are set through
 * the page, whose secret is shown once and whose test event reaches a verifying receiver.
 */
describe('notifications in the web dashboard', () => {
  let app: TestApp;
  let browser: Browser;
  let guard: BrowserGuard;
  let receiver: WebhookReceiver;
  let user: RegisteredUser;
  let page: Page;

  beforeAll(async () => {
    [app, browser, receiver] = await Promise.all([
      startTestApp({ label: 'browser_notes', env: { NODE_OFFLINE_ALERT_MS: '1000', HEARTBEAT_INTERVAL_MS: '200', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' } }),
      launchChromium(),
      WebhookReceiver.start(),
    ]);
    guard = new BrowserGuard(new URL(app.url).origin);
    user = await registerUser(app);
    const context = await guard.newContext(browser);
    page = await context.newPage();
    await page.goto(`${app.url}/`);
    const form = page.getByTestId('login-form');
    await form.getByLabel('Email').fill(user.email);
    await form.getByLabel('Password').fill(user.password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`${byTestId('live-status')}[data-status="live"]`).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await receiver?.close();
  });

  it('shows a node going offline on the bell, live, and marks it read', async () => {
    expect(await page.getByTestId('notification-unread').count()).toBe(0);
    const node = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await node.connect({ device_id: 'bell-node', network_name: 'Attic rig' });
    node.send({ type: 'Disconnect' });
    await node.closed;

    await page.locator(`${byTestId('notification-unread')}:text("1")`).waitFor();
    expect(await page.getByTestId('notification-bell').getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await page.getByTestId('notification-bell').click();
    const item = page.locator(`${byTestId('notification-list')} li[data-type="node.offline"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('Attic rig is offline');
    expect(await item.getAttribute('class')).toBe('unread');
    await page.getByTestId('notification-read-all').click();
    await page.getByTestId('notification-unread').waitFor({ state: 'detached' });
    expect((await api(app, 'GET', '/api/notifications?unread=true', { token: user.accessToken })).body.unread).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('notification-panel').waitFor({ state: 'detached' });
  });

  it('sets preferences and a webhook on the settings page; the secret shows once and the test event arrives', async () => {
    await page.getByTestId('notifications-link').click();
    await page.getByTestId('preferences-table').waitFor();
    const checkbox = page.getByTestId('pref-node.offline-email');
    expect(await checkbox.isChecked()).toBe(true);
    const saved = page.waitForResponse((response) => response.url().endsWith('/api/notifications/preferences') && response.request().method() === 'PUT');
    await checkbox.uncheck();
    expect((await saved).status()).toBe(200);
    const preferences = await api(app, 'GET', '/api/notifications/preferences', { token: user.accessToken });
    expect(preferences.body.preferences.find((p: any) => p.type === 'node.offline')).toMatchObject({ email: false, in_app: true });

    // A refused address shows the API's reason.
    await page.getByTestId('webhook-url').fill('http://169.254.169.254/latest');
    await page.getByTestId('webhook-save').click();
    await page.getByTestId('webhook-error').waitFor();
    expect(await page.getByTestId('webhook-error').textContent()).toContain('metadata');

    await page.getByTestId('webhook-url').fill(receiver.url);
    await page.getByTestId('webhook-save').click();
    const secret = (await page.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    await page.getByTestId('webhook-test').click();
    await receiver.waitFor(() => receiver.ofType('webhook.test').length === 1);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`${byTestId('webhook-deliveries')} tr[data-status="delivered"]`).waitFor();

    // After a reload the secret is gone from the page for good.
    await page.reload();
    await page.getByTestId('webhook-url').waitFor();
    expect(await page.getByTestId('webhook-url').inputValue()).toBe(receiver.url);
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    expect(guard.pageErrors).toEqual([]);
    expect(guard.foreignRequests).toEqual([]);
  });

  it('fits a phone: the settings page and the bell panel do not scroll sideways at 375 px', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.waitForFunction(() => document.documentElement.clientWidth === 375);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByTestId('notification-bell').click();
    await page.getByTestId('notification-panel').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    const box = (await page.getByTestId('notification-panel').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
  });
});

// Page functions run in the browser; the test tsconfig has no DOM library.
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };
