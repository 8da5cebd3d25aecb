import { existsSync, readdirSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { WEB_DIST } from '../../src/common/http/web-dashboard';
import { CHROMIUM_PATH, launchChromium } from '../browser/chromium';
import { api, registerUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * HTTP hardening: helmet's headers on every kind of response (API, errors, docs, static files,
 * probes), a Content-Security-Policy that the dashboard and the OpenAPI UI actually work under,
 * the CORS allow-list with CORS_ORIGINS unset and set, and METRICS_TOKEN guarding /metrics.
 */

const STRICT_CSP =
  "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self';form-action 'self';frame-ancestors 'self';" +
  "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self'";
const DOCS_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const HELMET_HEADERS: Record<string, string | RegExp> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'strict-transport-security': /^max-age=\d{7,}; includeSubDomains$/,
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** fetch, with the body read (an unread body keeps its request in flight on the server). */
async function fetchRead(input: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  await response.arrayBuffer();
  return response;
}

function headersOf(response: { headers: Headers }): Record<string, string> {
  return Object.fromEntries([...response.headers]);
}

describe('HTTP hardening with defaults (no CORS_ORIGINS, no METRICS_TOKEN)', () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ label: 'hardening' });
    token = (await registerUser(app)).accessToken;
  });
  afterAll(() => app.close());

  it('sends the security headers on API, error, docs, static and ops responses', async () => {
    const asset = readdirSync(join(WEB_DIST, 'assets')).find((name) => name.endsWith('.js'))!;
    const cases: Array<[string, string, Record<string, string>, number]> = [
      ['GET', '/api/user/me', { authorization: `Bearer ${token}` }, 200],
      ['GET', '/api/user/me', {}, 401],
      ['POST', '/api/auth/login', { 'content-type': 'application/json' }, 400],
      ['GET', '/api/no-such-route', {}, 404],
      ['GET', '/health/ready', {}, 200],
      ['GET', '/metrics', {}, 200],
      ['GET', '/docs-json', {}, 200],
      ['GET', '/', {}, 200],
      ['GET', `/assets/${asset}`, {}, 200],
      ['GET', '/docs', {}, 200],
      ['GET', '/docs/swagger-ui-bundle.js', {}, 200],
    ];
    for (const [method, path, headers, status] of cases) {
      const response = await fetch(`${app.url}${path}`, { method, headers, body: method === 'POST' ? '{}' : undefined });
      // Read every body: an unread large one (the Swagger bundle) keeps its request in flight.
      await response.arrayBuffer();
      const got = headersOf(response);
      expect([path, response.status]).toEqual([path, status]);
      for (const [name, expected] of Object.entries(HELMET_HEADERS)) {
        expect([path, name, got[name]]).toEqual([path, name, typeof expected === 'string' ? expected : expect.stringMatching(expected)]);
      }
      expect([path, got['content-security-policy']]).toEqual([path, path.startsWith('/docs/') || path === '/docs' ? DOCS_CSP : STRICT_CSP]);
      expect(got['x-powered-by']).toBeUndefined();
    }
  });

  it('never asks browsers to upgrade to https (plain HTTP deployments keep working)', async () => {
    for (const path of ['/', '/docs', '/api/user/me']) {
      const response = await fetch(`${app.url}${path}`);
      await response.arrayBuffer();
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    }
  });

  const chromium = existsSync(CHROMIUM_PATH) ? it : it.skip;

  chromium('renders the OpenAPI UI and the dashboard in Chromium with no CSP violation', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const violations: string[] = [];
      const failures: string[] = [];
      await context.exposeFunction('reportViolation', (text: string) => violations.push(text));
      await context.addInitScript({
        content: `document.addEventListener('securitypolicyviolation', (event) =>
          window.reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber));`,
      });
      context.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      context.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));

      const docs = await context.newPage();
      docs.on('pageerror', (error) => failures.push(error.message));
      await docs.goto(`${app.url}/docs`);
      await docs.locator('.swagger-ui .info .title').filter({ hasText: 'DePIN dashboard API' }).waitFor({ timeout: 20_000 });
      await docs.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(await docs.locator('.opblock').count()).toBeGreaterThan(10);
      // Expanding an operation renders its schema (styles applied through the CSSOM).
      await docs.locator('.opblock-summary').first().click();
      await docs.locator('.opblock-body').first().waitFor({ timeout: 20_000 });

      const dashboard = await context.newPage();
      dashboard.on('pageerror', (error) => failures.push(error.message));
      await dashboard.goto(`${app.url}/`);
      await dashboard.locator('#app *').first().waitFor({ timeout: 20_000 });
      await dashboard.waitForLoadState('networkidle');

      expect(violations).toEqual([]);
      expect(failures).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('serves the OpenAPI UI from its own origin only (what the CSP allows without a browser)', async () => {
    const html = await (await fetch(`${app.url}/docs`)).text();
    const sources = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) expect(source).toMatch(/^(\.\/|\/)(docs\/)?[\w.-]+$/);
    // Scripts are files (script-src 'self'); only styles are inline (style-src 'unsafe-inline' on /docs).
    expect([...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].every(([, attributes, body]) => /src=/.test(attributes!) && body!.trim() === '')).toBe(true);
    for (const source of sources) {
      const asset = await fetch(new URL(source, `${app.url}/docs`));
      await asset.arrayBuffer();
      expect([source, asset.status]).toEqual([source, 200]);
    }
  });

  it('answers cross-origin requests without any CORS header when CORS_ORIGINS is unset', async () => {
    const simple = await fetchRead(`${app.url}/api/user/me`, { headers: { origin: 'https://app.example.com', authorization: `Bearer ${token}` } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetchRead(`${app.url}/api/user/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('serves /metrics openly when METRICS_TOKEN is unset', async () => {
    const metrics = await fetch(`${app.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});

describe('HTTP hardening with CORS_ORIGINS and METRICS_TOKEN set', () => {
  const METRICS_TOKEN = 'metrics-scrape-token-0123456789';
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'hardening_set',
      env: { CORS_ORIGINS: 'https://app.example.com,http://localhost:5173', METRICS_TOKEN },
    });
    token = (await registerUser(app)).accessToken;
  });
  afterAll(() => app.close());

  it('allows exactly the listed origins', async () => {
    for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
      const response = await fetchRead(`${app.url}/api/user/me`, { headers: { origin, authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('vary')).toMatch(/origin/i);
      expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/i);
      // Tokens travel in headers, never cookies: credentials are not allowed.
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();

      const preflight = await fetchRead(`${app.url}/api/user/me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/PATCH/);
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    }
  });

  it.each([
    'https://evil.example',
    'https://app.example.com.evil.example',
    'https://evil-app.example.com',
    'http://app.example.com',
    'https://app.example.com:8443',
    'http://localhost:5174',
    'null',
  ])('refuses the origin %s', async (origin) => {
    const simple = await fetchRead(`${app.url}/api/user/me`, { headers: { origin, authorization: `Bearer ${token}` } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetchRead(`${app.url}/api/user/me`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('requires METRICS_TOKEN for /metrics: 401 without it or with a wrong one, 200 with it', async () => {
    const refused: Array<[string, Record<string, string>]> = [
      ['no header', {}],
      ['wrong token', { authorization: 'Bearer metrics-scrape-token-0123456780' }],
      ['shorter token', { authorization: 'Bearer metrics-scrape-token' }],
      ['longer token', { authorization: `Bearer ${METRICS_TOKEN}x` }],
      ['a user access token', { authorization: `Bearer ${token}` }],
      ['the token without a scheme', { authorization: METRICS_TOKEN.toUpperCase() }],
      ['another scheme', { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}` }],
      ['empty bearer', { authorization: 'Bearer ' }],
    ];
    for (const [label, headers] of refused) {
      const response = await api(app, 'GET', '/metrics', { headers });
      expect([label, response.status, response.body.error]).toEqual([label, 401, 'Unauthorized']);
      expect(JSON.stringify(response.body)).not.toContain('process_');
    }
    // The token is not taken from the query string (which ends up in logs): refused as unknown.
    const inQuery = await api(app, 'GET', `/metrics?token=${METRICS_TOKEN}`);
    expect([inQuery.status, inQuery.body.error]).toEqual([400, 'ValidationError']);

    const allowed = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('keeps the probes open for Kubernetes whatever METRICS_TOKEN is', async () => {
    expect((await fetchRead(`${app.url}/health/live`)).status).toBe(200);
    expect((await fetchRead(`${app.url}/health/ready`)).status).toBe(200);
  });
});

describe('connections that never send a request', () => {
  it('do not hold up a graceful stop (browser preconnects, slowloris)', async () => {
    const app = await startTestApp({ label: 'hardening_silent' });
    const url = new URL(app.url);
    const silent = await new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () => resolve(socket));
      socket.once('error', reject);
    });
    const cut = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    // A request on another connection is served as usual: only the silent one is cut.
    expect((await fetchRead(`${app.url}/health/live`)).status).toBe(200);
    // Without the fix this waits for node's headersTimeout (60 s) and the test times out.
    await app.close();
    await cut;
    expect(silent.destroyed).toBe(true);
  });
});
