import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { api, registerUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';
import { TestSocket } from '../support/ws-client';
import { BrowserGuard, launchChromium } from './chromium';
import { TestBrowserWallet } from './test-wallet';
import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { SettlementService } from '../../src/modules/settlement/settlement.service';

/**
 * The reference dashboard (web/, served at `/`) in headless Chromium against the real service:
 * people register and sign in through the forms, node apps (WebSocket clients run by the test)
 * earn, and the pages must follow live, without a reload. Writes a screenshot (see SCREENSHOT).
 *
 * The tests run in order and share the people and pages they create: alice invites bob, both run
 * a node, an admin steps in.
 */

/** Fast economics: 10 points a second at score 1; a referral completes after 5 points. */
const HEARTBEAT_MS = 500;
const REFERRAL_BONUS = 50;
const ADMIN_EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';
/** Bob's browser wallet (an injected EIP-1193 provider backed by this key). */
const BOB_WALLET = privateKeyToAccount(generatePrivateKey());
const WALLET = BOB_WALLET.address;
/** Set on alice's page before the others act; it survives anything but a reload. */
const MARKER = 'set before bob signed up';
/**
 * Every run writes the screenshot under test-output/ (ignored by git); with
 * UPDATE_DOCS_SCREENSHOT=1 it refreshes the one the README shows, docs/dashboard.png.
 */
const SCREENSHOT =
  process.env.UPDATE_DOCS_SCREENSHOT === '1'
    ? join(__dirname, '..', '..', 'docs', 'dashboard.png')
    : join(__dirname, '..', '..', 'test-output', 'dashboard.png');

// Page functions run in the browser; the test tsconfig has no DOM library, so the few browser
// globals they touch are declared here (module-scoped: they type the functions, nothing more).
interface BrowserElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number };
}
declare const document: {
  querySelector(selector: string): BrowserElement | null;
  activeElement: BrowserElement | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};
declare const window: { liveMarker?: string };
declare const localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };

interface StoredSession {
  access_token: string;
  refresh_token: string;
  issued_at: number;
  expires_in: number;
}

/** A node app: a `/ws/dashboard` client of role node that sends Heartbeats on time. */
class NodeApp {
  private constructor(
    readonly socket: TestSocket,
    private readonly timer: NodeJS.Timeout,
  ) {}

  static async start(app: TestApp, token: string, deviceId: string, networkName: string): Promise<NodeApp> {
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token });
    await socket.connect({ device_id: deviceId, network_name: networkName });
    // Twice per advised interval: on time (score near 1) even when a busy machine runs timers late.
    return new NodeApp(socket, setInterval(() => socket.send({ type: 'Heartbeat' }), HEARTBEAT_MS / 2));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.socket.send({ type: 'Disconnect' });
    await this.socket.closed;
  }
}

/** Waits until a number shown on the page (its `data-value`, or another attribute) passes `test`. */
async function waitForNumber(
  page: Page,
  selector: string,
  test: { equals?: number; above?: number },
  attribute = 'data-value',
): Promise<number> {
  await page.waitForFunction(
    ({ selector, test, attribute }) => {
      const raw = document.querySelector(selector)?.getAttribute(attribute) ?? '';
      if (raw === '') return false;
      const value = Number(raw);
      return (test.equals === undefined || value === test.equals) && (test.above === undefined || value > test.above);
    },
    { selector, test, attribute },
  );
  return Number(await page.locator(selector).getAttribute(attribute));
}

const byTestId = (testId: string): string => `[data-testid="${testId}"]`;

/** Waits until the element matching `selector` has the keyboard focus. */
async function waitForFocus(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((selector) => {
    const focused = document.activeElement;
    return focused !== null && focused === document.querySelector(selector);
  }, selector);
}

async function storedSession(page: Page): Promise<StoredSession | null> {
  const raw = await page.evaluate(() => localStorage.getItem('dashboard.session'));
  return raw === null ? null : (JSON.parse(raw) as StoredSession);
}

async function loginWithApi(app: TestApp, email: string): Promise<{ id: number; token: string }> {
  const response = await api(app, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
  expect(response.status).toBe(200);
  return { id: response.body.user.id, token: response.body.access_token };
}

async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  const form = page.getByTestId('login-form');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** No wider than the viewport: nothing scrolls sideways (after the chart has followed the resize). */
async function expectNoHorizontalOverflow(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 740 });
  await page.waitForFunction((width) => document.documentElement.clientWidth === width, width);
  if ((await page.getByTestId('earnings-chart').count()) > 0) {
    await page.waitForFunction(
      (width) => (document.querySelector('[data-testid="earnings-chart"] canvas')?.getBoundingClientRect().width ?? 0) < width,
      width,
    );
  }
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(clientWidth).toBe(width);
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

describe('web dashboard in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let guard: BrowserGuard;
  const contexts: BrowserContext[] = [];
  const nodes: NodeApp[] = [];

  // Shared along the story.
  let alicePage: Page;
  let bobPage: Page;
  let bobWallet: TestBrowserWallet;
  let carolPage: Page;
  let adminPage: Page;
  let aliceCode: string;
  let bobId: number;

  async function stopNode(node: NodeApp): Promise<void> {
    nodes.splice(nodes.indexOf(node), 1);
    await node.stop();
  }

  async function newPage(options: Parameters<BrowserGuard['newContext']>[1] = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await guard.newContext(browser, options);
    contexts.push(context);
    return { context, page: await context.newPage() };
  }

  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp({
        label: 'browser',
        env: {
          HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
          CLIENT_TIMEOUT_MS: '10000',
          POINTS_PER_HOUR: '36000',
          EARNINGS_FLUSH_MS: '200',
          EARNINGS_PUSH_MS: '200',
          REFERRAL_QUALIFY_POINTS: '5',
          REFERRAL_BONUS_POINTS: String(REFERRAL_BONUS),
          ADMIN_EMAILS: ADMIN_EMAIL,
        },
      }),
      launchChromium(),
    ]);
    guard = new BrowserGuard(new URL(app.url).origin);
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop().catch(() => undefined)));
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
    await browser?.close();
    await app?.close();
  });

  it('signs up with the keyboard alone and shows an empty dashboard, live', async () => {
    ({ page: alicePage } = await newPage());
    // Every answer the page gets: a page load must not provoke errors (the browser logs each one).
    const answers: string[] = [];
    alicePage.on('response', (response) => answers.push(`${response.status()} ${new URL(response.url()).pathname}`));
    await alicePage.goto(`${app.url}/`);
    await alicePage.getByTestId('login-form').waitFor();
    await alicePage.getByRole('link', { name: 'Create an account' }).click();

    const form = alicePage.getByTestId('register-form');
    await form.getByLabel('Email').focus();
    await alicePage.keyboard.type('alice@example.com');
    await alicePage.keyboard.press('Tab');
    await alicePage.keyboard.type('alice');
    await alicePage.keyboard.press('Tab');
    await alicePage.keyboard.type(PASSWORD);
    await alicePage.keyboard.press('Enter');

    await alicePage.locator(`${byTestId('live-status')}[data-status="live"]`).waitFor();
    expect(await alicePage.getByTestId('current-username').textContent()).toBe('alice');
    expect(await alicePage.locator(`${byTestId('live-status')}[data-status="live"]`).textContent()).toBe('live');
    await alicePage.getByTestId('networks-empty').waitFor();
    await alicePage.getByTestId('referrals-empty').waitFor();
    await alicePage.getByTestId('chart-empty').waitFor();
    expect(await waitForNumber(alicePage, byTestId('total-points'), { equals: 0 })).toBe(0);
    // ReferralData (which carries the code) has arrived once its counts show.
    expect(await waitForNumber(alicePage, byTestId('referral-count-total'), { equals: 0 })).toBe(0);
    aliceCode = (await alicePage.getByTestId('referral-code').textContent())!;
    expect(aliceCode).toMatch(/^[A-Za-z0-9_-]{6,}$/);

    // Not an admin (her User JSON says so): nothing asks the admin API, no request failed, and the
    // admin route says so instead of showing the view.
    expect(answers.filter((answer) => answer.includes('/api/admin') || !/^[23]\d\d /.test(answer))).toEqual([]);
    expect(answers).toContain('200 /api/user/me');
    await alicePage.goto(`${app.url}/#/admin`);
    await alicePage.getByText('This page is for administrators.').waitFor();
    expect(await alicePage.getByTestId('admin-link').count()).toBe(0);
    expect(await alicePage.getByTestId('admin-view').count()).toBe(0);
    await alicePage.getByRole('link', { name: 'Overview' }).click();
    await alicePage.getByTestId('dashboard-view').waitFor();
  });

  it('prefills the referral code from an invite link; the new referral shows Pending on the referrer’s page', async () => {
    // From here on alice's page must follow by itself; a reload would wipe this.
    await alicePage.evaluate((marker) => {
      window.liveMarker = marker;
    }, MARKER);
    const link = await alicePage.getByTestId('referral-link').inputValue();
    expect(link).toBe(`${app.url}/?ref=${aliceCode}`);

    // Bob lives west of Greenwich (see the daily chart test below).
    // Bob has a browser wallet; alice has none.
    let bobContext: BrowserContext;
    ({ page: bobPage, context: bobContext } = await newPage({ timezoneId: 'America/Los_Angeles' }));
    bobWallet = await TestBrowserWallet.install(bobContext, BOB_WALLET);
    await bobPage.goto(link);
    const form = bobPage.getByTestId('register-form');
    await form.waitFor();
    expect(await form.locator('input[name="referral_code"]').inputValue()).toBe(aliceCode);
    expect(new URL(bobPage.url()).search).toBe('');
    await form.getByLabel('Email').fill('bob@example.com');
    await form.getByLabel('Username').fill('bob');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Create account' }).click();
    await bobPage.locator(`${byTestId('live-status')}[data-status="live"]`).waitFor();
    bobId = (await loginWithApi(app, 'bob@example.com')).id;

    // Alice's page learns of it by itself.
    const row = alicePage.locator(`${byTestId('referral-row')}[data-referee-id="${bobId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('Pending');
    expect(await row.getByTestId('referral-status').textContent()).toBe('Pending');
    expect(await waitForNumber(alicePage, byTestId('referral-count-pending'), { equals: 1 })).toBe(1);
    expect(await waitForNumber(alicePage, byTestId('referral-count-total'), { equals: 1 })).toBe(1);
    expect(await alicePage.evaluate(() => window.liveMarker)).toBe(MARKER);
  });

  it('comes alive without a reload: nodes, figures, referral status and chart', async () => {
    expect(await waitForNumber(alicePage, byTestId('bonus-points'), { equals: 0 })).toBe(0);
    await alicePage.getByTestId('chart-empty').waitFor();

    const alice = await loginWithApi(app, 'alice@example.com');
    const bob = await loginWithApi(app, 'bob@example.com');
    const aliceNode = await NodeApp.start(app, alice.token, 'alice-laptop', 'Home fibre');
    const bobNode = await NodeApp.start(app, bob.token, 'bob-desktop', 'Office');
    nodes.push(aliceNode, bobNode);

    // Alice's own node: online, earning, in the table.
    const nodeRow = `${byTestId('network-row')}[data-device-id="alice-laptop"]`;
    await alicePage.locator(`${nodeRow}[data-connected="true"]`).waitFor();
    expect(await alicePage.locator(`${nodeRow} ${byTestId('node-network-name')}`).textContent()).toBe('Home fibre');
    expect(await alicePage.locator(`${nodeRow} ${byTestId('node-ip')}`).textContent()).toBe('127.0.0.1');
    expect(await alicePage.locator(`${nodeRow} ${byTestId('node-status')}`).textContent()).toBe('online');
    await waitForNumber(alicePage, `${nodeRow} ${byTestId('node-points')}`, { above: 0 });
    await waitForNumber(alicePage, `${nodeRow} ${byTestId('node-uptime')}`, { above: 0 });
    expect(await waitForNumber(alicePage, `${nodeRow} ${byTestId('node-score')}`, { above: 0.5 })).toBeLessThanOrEqual(1);

    // Bob's node earns past REFERRAL_QUALIFY_POINTS: the referral is rewarded, commission flows.
    await alicePage.locator(`${byTestId('referral-row')}[data-referee-id="${bobId}"][data-status="Rewarded"]`).waitFor();
    expect(await waitForNumber(alicePage, byTestId('referral-count-rewarded'), { equals: 1 })).toBe(1);
    expect(await waitForNumber(alicePage, byTestId('referral-count-pending'), { equals: 0 })).toBe(0);
    expect(await waitForNumber(alicePage, byTestId('bonus-points'), { equals: REFERRAL_BONUS })).toBe(REFERRAL_BONUS);
    await waitForNumber(alicePage, byTestId('referral-points'), { above: 0 });
    await waitForNumber(alicePage, byTestId('network-points'), { above: 0 });
    await waitForNumber(alicePage, byTestId('referral-summary-points'), { above: REFERRAL_BONUS });
    // Once bob's node stops, the re-fetched referee list settles on what the pushed summary says
    // (alice has one referee, so both are commission plus bonus from bob).
    await stopNode(bobNode);
    await alicePage.waitForFunction((refereeId) => {
      const summary = document.querySelector('[data-testid="referral-summary-points"]')?.getAttribute('data-value');
      const row = document.querySelector(`[data-testid="referral-row"][data-referee-id="${refereeId}"] [data-testid="referral-row-points"]`)?.getAttribute('data-value');
      return summary !== undefined && summary === row;
    }, bobId);

    // The chart re-fetched the timeseries: the bonus and the rest are in its bars.
    const chartTotal = await waitForNumber(alicePage, byTestId('earnings-chart'), { above: REFERRAL_BONUS }, 'data-total');
    expect(chartTotal).toBeGreaterThan(REFERRAL_BONUS);
    expect(await alicePage.getByTestId('chart-empty').count()).toBe(0);

    // The figures of one EarningsUpdate agree with each other.
    const figures = await alicePage.evaluate(() =>
      ['total-points', 'network-points', 'referral-points', 'bonus-points', 'today-points'].map((id) =>
        Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-value')),
      ),
    );
    const [total, network, referral, bonus, today] = figures as [number, number, number, number, number];
    expect(total).toBeCloseTo(network + referral + bonus, 6);
    expect(today).toBeGreaterThan(0); // all of it, unless the test ran across midnight UTC
    expect(today).toBeLessThanOrEqual(total);

    expect(await alicePage.evaluate(() => window.liveMarker)).toBe(MARKER);

    // The README's picture of a page come alive.
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await alicePage.mouse.move(0, 0);
    await alicePage.screenshot({ path: SCREENSHOT, fullPage: true });

    // Alice's node goes away: offline, live.
    await stopNode(aliceNode);
    await alicePage.locator(`${nodeRow}[data-connected="false"]`).waitFor();
    expect(await alicePage.locator(`${nodeRow} ${byTestId('node-status')}`).textContent()).toBe('offline');
    expect(await alicePage.getByTestId('networks-summary').textContent()).toBe('1 node · 0 online');
    expect(await alicePage.evaluate(() => window.liveMarker)).toBe(MARKER);
  });

  it('labels daily buckets with their UTC date, even west of Greenwich', async () => {
    // Bob (America/Los_Angeles) has earned today; the last daily bar is today's UTC bucket.
    const series = bobPage.waitForResponse((response) => response.url().includes('/api/earnings/timeseries?bucket=day'));
    await bobPage.getByTestId('chart-bucket-day').click();
    const body = (await (await series).json()) as { points: Array<{ t: string }> };
    const lastBucket = body.points[body.points.length - 1]!.t;
    expect(lastBucket).toMatch(/T00:00:00(\.000)?Z$/);
    await waitForNumber(bobPage, `${byTestId('earnings-chart')}[data-bucket="day"]`, { above: 0 }, 'data-total');
    expect(await bobPage.getByTestId('chart-bucket-day').getAttribute('aria-pressed')).toBe('true');

    const plot = (await bobPage.locator(`${byTestId('earnings-chart')} .u-over`).boundingBox())!;
    await bobPage.mouse.move(plot.x + plot.width - 2, plot.y + plot.height / 2);
    const expected = new Date(lastBucket).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
    await bobPage.getByTestId('chart-legend-title').filter({ hasText: new RegExp(`^${expected}$`) }).waitFor();
    await bobPage.mouse.move(0, 0);
  });

  it('links the browser wallet by signature, showing the API’s message when the signature is refused', async () => {
    expect(await alicePage.getByTestId('wallet-missing').count()).toBe(1);
    const bob = await loginWithApi(app, 'bob@example.com');

    // A wallet that signs with another key: the API refuses, and the page shows its message and details.
    bobWallet.signer = privateKeyToAccount(generatePrivateKey());
    const refused = bobPage.waitForResponse((response) => response.url().endsWith('/api/user/wallet') && response.request().method() === 'POST');
    await bobPage.getByTestId('wallet-link').click();
    const body = (await (await refused).json()) as { message: string; details: Array<{ problems: string[] }> };
    const error = bobPage.getByTestId('wallet-error');
    await error.waitFor();
    const shown = await error.textContent();
    expect(shown).toContain(body.message);
    expect(shown).toContain(body.details[0]!.problems[0]!);
    expect((await api(app, 'GET', '/api/user/me', { token: bob.token })).body.wallet_address).toBeNull();

    bobWallet.signer = BOB_WALLET;
    await bobPage.getByTestId('wallet-link').click();
    await bobPage.getByTestId('wallet-success').waitFor();
    expect(await bobPage.getByTestId('wallet-success').textContent()).toBe('Wallet linked.');
    expect(await bobPage.getByTestId('wallet-address').textContent()).toBe(WALLET);
    expect(await bobPage.getByTestId('wallet-error').count()).toBe(0);
    expect((await api(app, 'GET', '/api/user/me', { token: bob.token })).body.wallet_address).toBe(WALLET);
  });

  it('shows payouts live: a settled epoch appears with bob’s amount, and its proof is the API’s', async () => {
    const bob = await loginWithApi(app, 'bob@example.com');
    const settlement = app.server.app.get(SettlementService);
    const epoch = settlement.currentEpoch() - 1;
    await app.server.app.get(LedgerService).apply({
      id: 'browser:payout',
      network: [{ userId: bob.id, amount: microPointsOf(2.5), at: new Date(settlement.epochEnd(epoch).getTime() - 60_000) }],
      nodes: [],
      bonuses: [],
    });
    await settlement.settle(epoch);
    // Live: the row arrives by SettlementUpdate and turns published (ledger adapter) without a reload.
    const row = bobPage.locator(`${byTestId('payout-row')}[data-epoch="${epoch}"][data-status="published"]`);
    await row.waitFor();
    const proof = await api(app, 'GET', `/api/settlement/epochs/${epoch}/proof`, { token: bob.token });
    expect(proof.status).toBe(200);
    expect(await row.getByTestId('payout-amount').textContent()).toBe(proof.body.amount);
    await row.getByTestId('payout-proof-button').click();
    const shown = JSON.parse((await bobPage.getByTestId('payout-proof-json').textContent())!);
    expect(shown).toEqual({ account: WALLET, amount: proof.body.amount, proof: proof.body.proof });
    expect(await alicePage.getByTestId('payouts-empty').count()).toBe(1);
  });

  it('logs out (revoking the session), shows the API’s message for a wrong password, and logs back in', async () => {
    const session = (await storedSession(bobPage))!;
    const loggedOut = bobPage.waitForResponse((response) => response.url().endsWith('/api/auth/logout'));
    await bobPage.getByTestId('logout-button').click();
    await bobPage.getByTestId('login-form').waitFor();
    expect((await loggedOut).status()).toBe(204);
    expect(await storedSession(bobPage)).toBeNull();
    expect((await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);

    const wrong = await api(app, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: 'not the password' } });
    expect(wrong.status).toBe(401);
    await signIn(bobPage, 'bob@example.com', 'not the password either');
    await bobPage.getByTestId('form-error').waitFor();
    expect(await bobPage.getByTestId('form-error').textContent()).toBe(wrong.body.message);

    await signIn(bobPage, 'bob@example.com');
    await bobPage.locator(`${byTestId('live-status')}[data-status="live"]`).waitFor();
    expect(await bobPage.getByTestId('current-username').textContent()).toBe('bob');
    expect(await bobPage.getByTestId('wallet-address').textContent()).toBe(WALLET);
  });

  it('refreshes the tokens after a WebSocket 4401, and before the access token expires', async () => {
    const carol = await registerUser(app, { email: 'carol@example.com', username: 'carol', password: PASSWORD });
    const { context, page } = await newPage();
    carolPage = page;
    // A controllable clock (it runs at real speed until fast-forwarded).
    await context.clock.install();
    const frames: Array<{ url: string; payload: string }> = [];
    const refreshes: number[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push({ url: socket.url(), payload: String(frame.payload) })));
    page.on('response', (response) => {
      if (response.url().endsWith('/api/auth/refresh')) refreshes.push(response.status());
    });

    // A stored session whose access token the server refuses; the refresh token is good.
    await page.goto(`${app.url}/#/login`);
    await page.evaluate(
      (refreshToken) =>
        localStorage.setItem(
          'dashboard.session',
          JSON.stringify({ access_token: 'not-a-valid-token', refresh_token: refreshToken, issued_at: Date.now(), expires_in: 900 }),
        ),
      carol.refreshToken,
    );
    await page.reload();
    await page.locator(`${byTestId('live-status')}[data-status="live"]`).waitFor();
    expect(await page.getByTestId('current-username').textContent()).toBe('carol');
    // The socket opened with the refused token got Error Unauthorized (then 4401); a new one went live.
    const refusedSocket = frames.filter((frame) => frame.url.includes('token=not-a-valid-token'));
    expect(refusedSocket.map((frame) => JSON.parse(frame.payload) as { type: string; payload?: { error?: string } })).toEqual([
      { type: 'Error', payload: expect.objectContaining({ error: 'Unauthorized' }) },
    ]);
    expect(frames.some((frame) => !frame.url.includes('token=not-a-valid-token') && frame.payload.includes('"Connected"'))).toBe(true);
    // REST 401s and the 4401 shared one refresh: presenting the same refresh token twice would revoke the session.
    expect(refreshes).toEqual([200]);
    const rotated = (await storedSession(page))!;
    expect(rotated.refresh_token).not.toBe(carol.refreshToken);
    expect(rotated.access_token).not.toBe('not-a-valid-token');

    // 12.5 minutes later by the page's clock, past 80 % of the 15-minute access token: refreshed.
    const proactive = page.waitForResponse((response) => response.url().endsWith('/api/auth/refresh'));
    await context.clock.fastForward('12:30');
    expect((await proactive).status()).toBe(200);
    await page.waitForFunction((previous) => {
      const raw = localStorage.getItem('dashboard.session');
      return raw !== null && (JSON.parse(raw) as { refresh_token: string }).refresh_token !== previous;
    }, rotated.refresh_token);
    await page.locator(`${byTestId('live-status')}[data-status="live"]`).waitFor();
    expect(await waitForNumber(page, byTestId('total-points'), { equals: 0 })).toBe(0);
  });

  it('gives admins the admin view: search, a bonus that lands live, and disable', async () => {
    await registerUser(app, { email: ADMIN_EMAIL, username: 'admin', password: PASSWORD });
    ({ page: adminPage } = await newPage());
    await adminPage.goto(`${app.url}/`);
    await signIn(adminPage, ADMIN_EMAIL);
    await adminPage.getByTestId('admin-link').click();
    const view = adminPage.getByTestId('admin-view');
    await view.waitFor();

    const search = async (text: string, userId: number) => {
      await view.getByLabel('Search users by email or username').fill(text);
      await view.getByRole('button', { name: 'Search' }).click();
      await adminPage.waitForFunction(
        (userId) => document.querySelector('[data-testid="admin-users-table"] tbody tr:only-child')?.getAttribute('data-user-id') === String(userId),
        userId,
      );
      return adminPage.locator(`${byTestId('admin-user-row')}[data-user-id="${userId}"]`);
    };

    // A bonus for alice, typed from the keyboard: the form takes the focus when it opens.
    const alice = await loginWithApi(app, 'alice@example.com');
    const aliceRow = await search('alice', alice.id);
    const bonusBefore = await waitForNumber(alicePage, byTestId('bonus-points'), { equals: REFERRAL_BONUS });
    await aliceRow.getByTestId('admin-bonus-open').click();
    await waitForFocus(adminPage, `${byTestId('admin-bonus-form')} input[name="amount"]`);
    await adminPage.keyboard.type('25');
    await adminPage.keyboard.press('Tab');
    await adminPage.keyboard.type('Thanks for testing');
    await adminPage.keyboard.press('Enter');
    await adminPage.getByTestId('admin-action-ok').waitFor();
    expect(await adminPage.getByTestId('admin-action-ok').textContent()).toBe('Credited 25.00 bonus points to alice.');
    expect(await waitForNumber(alicePage, byTestId('bonus-points'), { equals: bonusBefore + 25 })).toBe(bonusBefore + 25);
    expect(await alicePage.evaluate(() => window.liveMarker)).toBe(MARKER);

    // Disabling carol closes her socket with 4401; her refresh is refused, so her page signs out.
    const carol = await api(app, 'GET', '/api/admin/users?q=carol', { token: (await loginWithApi(app, ADMIN_EMAIL)).token });
    const carolRow = await search('carol', carol.body.items[0].id as number);
    await carolRow.getByTestId('admin-disable-button').click();
    // The button is replaced by "Confirm disable", which takes the focus: Enter confirms.
    await waitForFocus(adminPage, byTestId('admin-disable-confirm'));
    await adminPage.keyboard.press('Enter');
    await adminPage.getByTestId('admin-action-ok').filter({ hasText: 'carol is disabled' }).waitFor();
    await carolPage.getByTestId('login-form').waitFor();
    expect(await carolPage.getByTestId('session-notice').textContent()).toBe('Your session has ended. Please sign in again.');
  });

  it('fits a phone: nothing scrolls sideways at 375 px', async () => {
    await expectNoHorizontalOverflow(alicePage, 375); // dashboard with a node and a referee
    await expectNoHorizontalOverflow(adminPage, 375); // admin table
    await expectNoHorizontalOverflow(carolPage, 375); // sign-in form
    expect(await alicePage.evaluate(() => window.liveMarker)).toBe(MARKER);
  });

  it('loaded nothing from outside the service, raised no page errors, and caused no server errors', () => {
    expect(guard.foreignRequests).toEqual([]);
    expect(guard.pageErrors).toEqual([]);
    expect(app.logs.lines.filter((line) => Number(line.level) >= 50).map((line) => line.msg)).toEqual([]);
    expect(app.logs.accessLines().filter((line) => line.res.statusCode >= 500)).toEqual([]);
  });
});
