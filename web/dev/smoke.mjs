#!/usr/bin/env node
/**
 * Browser smoke test of the built dashboard against the mock backend (web/dev/mock-server.mjs).
 *
 *   npm run build:web && node web/dev/smoke.mjs
 *
 * Drives headless Chromium (playwright-core; CHROMIUM_PATH, default /usr/bin/chromium) through
 * register-with-referral, live updates, reconnects by close code, token refresh, wallet linking,
 * referral updates, admin actions, empty states and logout, and writes screenshots to
 * web/dev/screenshots/ (git-ignored). Exits non-zero on the first failed check.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startMockServer } from './mock-server.mjs';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });

const ACCESS_TTL = 12; // s: short, so the proactive refresh (at 80%) happens during the run
const mock = await startMockServer({ port: 0, accessTtl: ACCESS_TTL, heartbeatMs: 2000, quiet: true });
const base = mock.url;

const api = async (method, path, body) => {
  const res = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
const mockState = async () => (await api('GET', '/__mock/state')).body;

const referrer = (await api('POST', '/__mock/seed?email=ref@example.com&username=referrer&password=password1')).body;
await api('POST', '/__mock/seed?email=admin@example.com&username=admin&password=password1');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

let failures = 0;
let step = 0;
async function check(name, fn) {
  step += 1;
  try {
    await fn();
    console.log(`ok ${step} - ${name}`);
  } catch (err) {
    failures += 1;
    console.log(`not ok ${step} - ${name}\n  ${String(err?.message ?? err).split('\n').slice(0, 6).join('\n  ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
async function waitFor(fn, what, timeout = 8000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const foreign = [];
const consoleErrors = [];
async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.origin !== base && !u.protocol.startsWith('data') && !(u.protocol === 'ws:' && u.host === new URL(base).host)) foreign.push(req.url());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Expected 4xx responses (wallet validation, 403 probe…) are logged by the browser as resource errors.
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) consoleErrors.push(m.text());
  });
  return { context, page };
}
const tid = (page, id) => page.getByTestId(id);
const text = async (page, id) => (await tid(page, id).first().textContent())?.trim();
const dataValue = async (page, id) => Number(await tid(page, id).first().getAttribute('data-value'));

const stamp = Date.now().toString(36);
const userEmail = `user_${stamp}@example.com`;
const { context, page } = await newPage();

await check('?ref=CODE opens the register form with the code prefilled', async () => {
  await page.goto(`${base}/?ref=${referrer.referral_code}`);
  await tid(page, 'register-form').waitFor();
  const v = await page.locator('input[name=referral_code]').inputValue();
  assert(v === referrer.referral_code, `referral input is ${v}`);
});

await check('register shows field problems locally, then signs up and lands on the dashboard', async () => {
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('button', { name: 'Create account' }).click();
  await tid(page, 'form-error').waitFor();
  await page.getByLabel('Email').fill(userEmail);
  await page.getByLabel('Username').fill(`u_${stamp}`);
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await tid(page, 'dashboard-view').waitFor();
  await waitFor(async () => (await tid(page, 'total-points').getAttribute('data-value')) !== '', 'total points');
});

await check('live-status reads "live" once the socket is connected', async () => {
  await waitFor(async () => (await text(page, 'live-status')) === 'live', 'live');
});

await check('Connect frame is a viewer with a web-<random> device id; heartbeats flow', async () => {
  const st = await waitFor(async () => {
    const s = await mockState();
    return s.heartbeats > 0 ? s : null;
  }, 'a heartbeat', 6000);
  const frame = st.connectFrames.at(-1);
  assert(frame.role === 'viewer', `role ${frame.role}`);
  assert(/^web-[0-9a-f]+$/.test(frame.device_id), `device_id ${frame.device_id}`);
});

await check('earnings figures are filled and update live without reload', async () => {
  for (const id of ['total-points', 'today-points', 'epoch-points', 'network-points', 'referral-points', 'bonus-points']) {
    const v = await tid(page, id).getAttribute('data-value');
    assert(v !== '' && Number.isFinite(Number(v)), `${id} = ${v}`);
  }
  const before = await dataValue(page, 'total-points');
  await waitFor(async () => (await dataValue(page, 'total-points')) > before, 'total to grow');
});

await check('networks table: rows with device ids, online/offline badges, uptime, live uptime', async () => {
  const rows = tid(page, 'network-row');
  assert((await rows.count()) === 3, `rows ${await rows.count()}`);
  const statuses = await tid(page, 'node-status').allTextContents();
  assert(statuses.includes('online') && statuses.includes('offline'), statuses.join(','));
  const alpha = page.locator('[data-testid=network-row][data-device-id="node-alpha"]');
  const up1 = Number(await alpha.getByTestId('node-uptime').getAttribute('data-value'));
  assert(/^3d 01h$/.test((await alpha.getByTestId('node-uptime').textContent()).trim()), 'uptime text');
  await waitFor(async () => Number(await alpha.getByTestId('node-uptime').getAttribute('data-value')) > up1, 'uptime to grow');
});

await check('referral panel: code, link, counts, referees with status', async () => {
  const code = await text(page, 'referral-code');
  assert(code && code.length >= 6, `code ${code}`);
  const link = await tid(page, 'referral-link').inputValue();
  assert(link === `${base}/?ref=${code}`, `link ${link}`);
  assert((await text(page, 'referral-count-total')) === '3', 'total count');
  assert((await tid(page, 'referral-row').count()) === 3, 'referee rows');
  assert((await page.locator('[data-testid=referral-row][data-status=Pending]').count()) === 1, 'pending row');
});

await check('earnings chart renders a canvas with hourly buckets', async () => {
  await waitFor(async () => Number(await tid(page, 'earnings-chart').getAttribute('data-points')) >= 24, 'chart points');
  assert((await tid(page, 'earnings-chart').locator('canvas').count()) === 1, 'canvas');
});

await check('non-admins do not see the admin link', async () => {
  await page.waitForTimeout(300);
  assert((await tid(page, 'admin-link').count()) === 0, 'admin link visible');
});

await page.screenshot({ path: `${SHOTS}dashboard-1280.png`, fullPage: true });

await check('wallet: local format check, server ValidationError details, link and unlink', async () => {
  const input = page.getByLabel('Wallet address');
  await input.fill('0x123');
  await tid(page, 'wallet-submit').click();
  await waitFor(async () => /40 hexadecimal/.test((await text(page, 'wallet-error')) ?? ''), 'local error');
  await input.fill('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'); // bad checksum
  await tid(page, 'wallet-submit').click();
  await waitFor(async () => /checksum/.test((await text(page, 'wallet-error')) ?? ''), 'server error details');
  assert(/Request validation failed/.test(await text(page, 'wallet-error')), 'server message shown');
  await input.fill('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
  await tid(page, 'wallet-submit').click();
  await tid(page, 'wallet-success').waitFor();
  assert((await text(page, 'wallet-address')) === '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'linked');
  await tid(page, 'wallet-unlink').click();
  await waitFor(async () => /No wallet/.test((await text(page, 'wallet-address')) ?? ''), 'unlinked');
});

await check('ReferralUpdate updates counts and re-fetches the referees list', async () => {
  await api('POST', `/__mock/referral?email=${encodeURIComponent(userEmail)}`);
  await waitFor(async () => (await text(page, 'referral-count-total')) === '4', 'count 4');
  await waitFor(async () => (await tid(page, 'referral-row').count()) === 4, 'four rows', 5000);
});

await check('the referrer sees the new referee (register with ?ref) as Pending', async () => {
  const login = await api('POST', '/api/auth/login', { email: 'ref@example.com', password: 'password1' });
  const res = await fetch(`${base}/api/referrals`, { headers: { authorization: `Bearer ${login.body.access_token}` } });
  const items = (await res.json()).items;
  assert(items.some((r) => r.referee_username === `u_${stamp}` && r.status === 'Pending'), JSON.stringify(items));
});

await check('close 4401 → refresh the tokens, then reconnect', async () => {
  const before = await mockState();
  await api('POST', '/__mock/close?code=4401');
  await waitFor(async () => (await mockState()).connects > before.connects, 'reconnect');
  const after = await mockState();
  assert(after.refreshes > before.refreshes, 'no refresh happened');
  await waitFor(async () => (await text(page, 'live-status')) === 'live', 'live again');
});

await check('close 1001 → reconnect with backoff', async () => {
  const before = await mockState();
  await api('POST', '/__mock/close?code=1001');
  await waitFor(async () => (await text(page, 'live-status')) !== 'live', 'not live', 2000).catch(() => undefined);
  await waitFor(async () => (await mockState()).connects > before.connects, 'reconnect', 5000);
  await waitFor(async () => (await text(page, 'live-status')) === 'live', 'live again');
});

await check('abrupt drop (1006) → reconnect', async () => {
  const before = await mockState();
  await api('POST', '/__mock/close?code=1006');
  await waitFor(async () => (await mockState()).connects > before.connects, 'reconnect', 5000);
});

await check('close 4001 → "opened elsewhere", no reconnect until asked', async () => {
  await waitFor(async () => (await text(page, 'live-status')) === 'live', 'live');
  const before = await mockState();
  await api('POST', '/__mock/close?code=4001');
  await waitFor(async () => (await text(page, 'live-status')) === 'opened elsewhere', 'replaced');
  await tid(page, 'live-replaced').waitFor();
  await page.waitForTimeout(2500);
  assert((await mockState()).upgrades === before.upgrades, 'it reconnected by itself');
  await page.getByRole('button', { name: 'Reconnect here' }).click();
  await waitFor(async () => (await text(page, 'live-status')) === 'live', 'live after manual reconnect');
});

await check('proactive refresh before expires_in keeps the session (and the socket) alive', async () => {
  const before = (await mockState()).refreshes;
  await waitFor(async () => (await mockState()).refreshes > before, 'a proactive refresh', ACCESS_TTL * 1000);
  assert(await tid(page, 'dashboard-view').isVisible(), 'signed out');
});

await check('REST 401 → refresh once and retry (switching the chart to daily buckets)', async () => {
  const before = (await mockState()).refreshes;
  await api('POST', '/__mock/expire-access');
  await tid(page, 'chart-bucket-day').click();
  await waitFor(async () => (await tid(page, 'earnings-chart').getAttribute('data-bucket')) === 'day', 'day bucket');
  await waitFor(async () => Number(await tid(page, 'earnings-chart').getAttribute('data-points')) >= 30, 'daily points');
  assert((await mockState()).refreshes > before, 'no refresh');
  assert(await tid(page, 'dashboard-view').isVisible(), 'signed out');
});

await check('phone width (375px): no horizontal overflow', async () => {
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(400);
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(sw <= 375, `scrollWidth ${sw}`);
  await page.screenshot({ path: `${SHOTS}dashboard-375.png`, fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}dashboard-375-top.png` });
  await tid(page, 'networks-table').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}dashboard-375-nodes.png` });
  await tid(page, 'referral-code').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}dashboard-375-referrals.png` });
  await page.setViewportSize({ width: 1280, height: 800 });
});

await check('logout returns to the login form and forgets the tokens', async () => {
  await tid(page, 'logout-button').click();
  await tid(page, 'login-form').waitFor();
  assert((await page.evaluate(() => localStorage.getItem('dashboard.session'))) === null, 'tokens kept');
});

await check('login errors show the API message; Enter submits', async () => {
  await page.getByLabel('Email').fill(userEmail);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByLabel('Password').press('Enter');
  await waitFor(async () => (await text(page, 'form-error')) === 'Invalid email or password', 'error message');
  await page.screenshot({ path: `${SHOTS}login-error-1280.png` });
});

await check('admin: link appears, search, bonus, disable', async () => {
  await page.getByLabel('Email').fill('admin@example.com');
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await tid(page, 'admin-link').waitFor();
  await tid(page, 'admin-link').click();
  await tid(page, 'admin-view').waitFor();
  await page.getByLabel('Search users by email or username').fill(`u_${stamp}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await waitFor(async () => (await tid(page, 'admin-user-row').count()) === 1, 'one row');
  const row = tid(page, 'admin-user-row').first();
  await row.getByTestId('admin-bonus-open').click();
  await tid(page, 'admin-bonus-form').getByLabel('Amount (points)').fill('0');
  await tid(page, 'admin-bonus-form').getByRole('button', { name: 'Credit bonus' }).click();
  await tid(page, 'admin-bonus-error').waitFor();
  await tid(page, 'admin-bonus-form').getByLabel('Amount (points)').fill('25.5');
  await tid(page, 'admin-bonus-form').getByLabel('Reason').fill('smoke test');
  await tid(page, 'admin-bonus-form').getByRole('button', { name: 'Credit bonus' }).click();
  await waitFor(async () => /Credited 25\.50/.test((await text(page, 'admin-action-ok')) ?? ''), 'bonus ok');
  await row.getByTestId('admin-disable-button').click();
  await page.screenshot({ path: `${SHOTS}admin-1280.png`, fullPage: true });
  await row.getByTestId('admin-disable-confirm').click();
  await waitFor(async () => /disabled/.test((await text(page, 'admin-action-ok')) ?? ''), 'disable ok');
  const login = await api('POST', '/api/auth/login', { email: userEmail, password: 'password123' });
  assert(login.status === 401, `disabled user login → ${login.status}`);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}admin-375.png`, fullPage: true });
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(sw <= 375, `admin scrollWidth ${sw}`);
});
await context.close();

await check('empty states for a new account (phone, dark scheme)', async () => {
  const { context: ctx, page: p } = await newPage({ viewport: { width: 375, height: 812 }, colorScheme: 'dark' });
  await p.goto(`${base}/#/register`);
  await p.getByLabel('Email').fill(`empty_${stamp}@example.com`);
  await p.getByLabel('Username').fill(`empty_${stamp}`);
  await p.getByLabel('Password').fill('password123');
  await p.getByLabel('Password').press('Enter');
  await tid(p, 'networks-empty').waitFor();
  await tid(p, 'referrals-empty').waitFor();
  await tid(p, 'chart-empty').waitFor();
  assert(/No nodes yet/.test(await text(p, 'networks-empty')), 'networks empty text');
  await waitFor(async () => (await text(p, 'live-status')) === 'live', 'live');
  await p.screenshot({ path: `${SHOTS}empty-375-dark.png`, fullPage: true });
  await p.setViewportSize({ width: 1280, height: 800 });
  await p.waitForTimeout(300);
  await p.screenshot({ path: `${SHOTS}empty-1280-dark.png`, fullPage: true });
  await ctx.close();
});

await check('a revoked session (refresh fails) returns to login', async () => {
  const { context: ctx, page: p } = await newPage();
  await p.goto(`${base}/#/login`);
  await p.getByLabel('Email').fill('ref@example.com');
  await p.getByLabel('Password').fill('password1');
  await p.getByLabel('Password').press('Enter');
  await waitFor(async () => (await text(p, 'live-status')) === 'live', 'live');
  // Rotate the refresh token behind the page's back: its stored one becomes a reused token.
  const stored = JSON.parse(await p.evaluate(() => localStorage.getItem('dashboard.session')));
  await api('POST', '/api/auth/refresh', { refresh_token: stored.refresh_token });
  await api('POST', '/__mock/close?code=4401&email=ref@example.com');
  await tid(p, 'login-form').waitFor({ timeout: 8000 });
  await waitFor(async () => /session has ended/.test((await text(p, 'session-notice')) ?? ''), 'notice');
  await ctx.close();
});

await check('no requests left the origin; no page errors', async () => {
  assert(foreign.length === 0, `foreign requests: ${foreign.join(', ')}`);
  assert(consoleErrors.length === 0, `console: ${consoleErrors.join(' | ')}`);
});

await browser.close();
await mock.close();
console.log(failures ? `\n${failures} check(s) failed` : `\nall ${step} checks passed; screenshots in ${SHOTS}`);
process.exit(failures ? 1 : 0);
