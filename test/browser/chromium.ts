import { existsSync } from 'node:fs';
import { Browser, BrowserContext, BrowserContextOptions, chromium, Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it when absent); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** How long a browser-side wait may take before the test fails (ms): generous for a busy 2-core CI box. */
export const BROWSER_WAIT_MS = 20_000;

/**
 * Headless Chromium with nothing running in the background. Playwright gives every launch a fresh
 * temporary user-data dir (and deletes it on close), so no profile state leaks between runs; each
 * context is an isolated "browser profile" of its own (storage, cookies).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
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
}

/**
 * Watches every page of the contexts it is given: requests that leave the service's origin
 * (the dashboard must bundle everything) and uncaught page errors.
 */
export class BrowserGuard {
  readonly foreignRequests: string[] = [];
  readonly pageErrors: string[] = [];

  constructor(private readonly origin: string) {}

  async newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
      ...options,
    });
    context.setDefaultTimeout(BROWSER_WAIT_MS);
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== this.origin) this.foreignRequests.push(url);
    });
    context.on('page', (page: Page) => page.on('pageerror', (error) => this.pageErrors.push(`${page.url()}: ${error.message}`)));
    return context;
  }
}
