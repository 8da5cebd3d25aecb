import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DIST } from '../../src/common/http/web-dashboard';
import { startTestApp, TestApp } from '../support/test-app';

/** The web dashboard is built by `npm run build` (npm test builds first) and served at `/`. */
describe('web dashboard hosting', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ label: 'web_hosting' });
  });
  afterAll(() => app.close());

  it('is built', () => {
    expect(existsSync(join(WEB_DIST, 'index.html'))).toBe(true);
  });

  it('serves index.html at / without long caching', async () => {
    const response = await fetch(`${app.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toMatch(/<script[^>]+src="\/assets\/[^"]+\.js"/);
    // Everything is bundled: no outside URLs.
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
  });

  it('serves hashed assets for a year, immutable', async () => {
    const asset = readdirSync(join(WEB_DIST, 'assets')).find((name) => name.endsWith('.js'))!;
    const response = await fetch(`${app.url}/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('leaves API routes and their 404s alone', async () => {
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    const missing = await fetch(`${app.url}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'EntityNotFound' });
    const api = await fetch(`${app.url}/api/nope`);
    expect(await api.json()).toMatchObject({ error: 'EntityNotFound' });
    expect((await fetch(`${app.url}/docs`)).status).toBe(200);
  });
});
