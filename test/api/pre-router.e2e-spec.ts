import { nanoid } from 'nanoid';
import { connect } from 'node:net';
import { Histogram, register } from 'prom-client';
import { preRouterOf, PreRouter } from '../../src/common/http/pre-router';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { HTTP_REQUEST_DURATION } from '../../src/modules/metrics/http-metrics';
import { claimsOf, signHs256 } from '../security/jwt-forge';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';

/** A response as it went over the wire, minus the Date header (the only one that may differ). */
interface WireResponse {
  readonly head: string;
  readonly body: string;
}

/**
 * The pre-router answers the cached dashboard summaries before Fastify and Nest: its answers must
 * be the routes' answers byte for byte (status, every header in order, body), with the same access
 * line and metrics, and everything it does not serve must reach the route unchanged.
 */
describe('pre-router (fast dashboard reads)', () => {
  const CACHED_READS = ['/api/earnings/summary', '/api/referrals/summary', '/api/networks'];
  let app: TestApp;
  let preRouter: PreRouter;

  beforeAll(async () => {
    app = await startTestApp({ label: 'pre_router', env: { ADMIN_EMAILS: 'boss@example.com' } });
    preRouter = preRouterOf(app.server.app.getHttpAdapter().getInstance())!;
  });
  afterAll(() => app.close());

  /** One GET on a connection of its own, read to its end. */
  const wireGet = (path: string, headers: Record<string, string>): Promise<WireResponse> =>
    new Promise((resolve, reject) => {
      const url = new URL(app.url);
      const socket = connect(Number(url.port), url.hostname);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const split = text.indexOf('\r\n\r\n');
        const head = text.slice(0, split).split('\r\n').filter((line) => !/^date:/i.test(line)).join('\r\n');
        resolve({ head, body: text.slice(split + 4) });
      });
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n${lines}Connection: close\r\n\r\n`);
    });

  const durationCount = async (route: string, status: number): Promise<number> => {
    const metric = register.getSingleMetric(HTTP_REQUEST_DURATION) as Histogram<string>;
    const values = (await metric.get()).values;
    const count = values.find(
      (v) => v.metricName === `${HTTP_REQUEST_DURATION}_count` && v.labels.route === route && v.labels.method === 'GET' && v.labels.status === String(status),
    );
    return count?.value ?? 0;
  };

  /** The access line of a request id, without what differs between any two requests. */
  const accessLineOf = (requestId: string) => {
    const line = app.logs.accessLines().find((l) => l.req.id === requestId) as Record<string, unknown> | undefined;
    if (line === undefined) throw new Error(`no access line for ${requestId}`);
    const { time: _time, responseTime, ...rest } = line;
    expect(typeof responseTime).toBe('number');
    return rest;
  };

  interface Answer extends WireResponse {
    readonly fast: boolean;
    readonly line: Record<string, unknown>;
    readonly metricDelta: number;
  }

  /** A GET through the pre-router (enabled) or straight to the route (disabled). */
  const answer = async (enabled: boolean, path: string, headers: Record<string, string>, requestId: string, route: string): Promise<Answer> => {
    preRouter.enabled = enabled;
    try {
      const served = preRouter.served;
      const before = { ok: await durationCount(route, 200), failed: await durationCount(route, 401) };
      const wire = await wireGet(path, { ...headers, 'X-Request-Id': requestId });
      const status = Number(wire.head.split(' ')[1]);
      const after = await durationCount(route, status);
      const metricDelta = after - (status === 200 ? before.ok : status === 401 ? before.failed : after);
      return { ...wire, fast: preRouter.served > served, line: accessLineOf(requestId), metricDelta };
    } finally {
      preRouter.enabled = true;
    }
  };

  /** The same request through both paths: what the client and the operator see must not differ. */
  const bothPaths = async (path: string, headers: Record<string, string>, route = path) => {
    const id = nanoid(12);
    const fast = await answer(true, path, headers, id, route);
    const routed = await answer(false, path, headers, id, route);
    expect(routed.fast).toBe(false);
    expect(fast.head).toBe(routed.head);
    expect(fast.body).toBe(routed.body);
    expect(fast.line).toEqual(routed.line);
    if (fast.head.startsWith('HTTP/1.1 200') || fast.head.startsWith('HTTP/1.1 401')) {
      expect(fast.metricDelta).toBe(1);
      expect(routed.metricDelta).toBe(1);
    }
    return { fast: fast.fast, status: Number(fast.head.split(' ')[1]), body: fast.body };
  };

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** A user whose token has been verified and whose summaries are cached (read once through the routes). */
  const warmUser = async (): Promise<RegisteredUser> => {
    const user = await registerUser(app);
    for (const path of CACHED_READS) expect((await api(app, 'GET', path, { token: user.accessToken })).status).toBe(200);
    return user;
  };

  it.each(CACHED_READS)('answers a cached %s itself, exactly as the route does', async (path) => {
    const user = await warmUser();
    const result = await bothPaths(path, bearer(user.accessToken));
    expect(result).toMatchObject({ fast: true, status: 200 });
  });

  it('leaves a first token and a cache miss to the route, which answers the same', async () => {
    const user = await registerUser(app);
    // Neither the token nor the summary is known yet: the route answers (and caches).
    const first = await bothPaths('/api/earnings/summary', bearer(user.accessToken));
    expect(first).toMatchObject({ fast: false, status: 200 });
    expect((await bothPaths('/api/earnings/summary', bearer(user.accessToken))).fast).toBe(true);
  });

  it.each([
    ['no token', {}],
    ['a malformed header', { Authorization: 'Bearer' }],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bad token', { Authorization: 'Bearer not.a.token' }],
  ])('answers %s with the route’s 401', async (_case, headers: Record<string, string>) => {
    for (const path of CACHED_READS) {
      const result = await bothPaths(path, headers);
      expect(result).toMatchObject({ fast: false, status: 401 });
      expect(JSON.parse(result.body)).toMatchObject({ error: 'Unauthorized' });
    }
  });

  it('answers an expired token (verified before it expired) with the route’s 401', async () => {
    const user = await warmUser();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = signHs256({ alg: 'HS256', typ: 'JWT' }, { ...claimsOf(user.accessToken), exp }, TEST_JWT_SECRET);
    expect((await bothPaths('/api/earnings/summary', bearer(token))).status).toBe(200);
    // Expiry is a moment, not an event: wait for it.
    while (Date.now() < exp * 1000 + 10) await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await bothPaths('/api/earnings/summary', bearer(token));
    expect(result).toMatchObject({ fast: false, status: 401 });
    expect(JSON.parse(result.body)).toMatchObject({ error: 'SessionExpired' });
  });

  it('answers a revoked session with the route’s 401', async () => {
    const user = await warmUser();
    expect((await bothPaths('/api/earnings/summary', bearer(user.accessToken))).fast).toBe(true);
    expect((await api(app, 'POST', '/api/auth/logout', { body: { refresh_token: user.refreshToken } })).status).toBe(204);
    for (const path of CACHED_READS) {
      const result = await bothPaths(path, bearer(user.accessToken));
      expect(result).toMatchObject({ fast: false, status: 401 });
    }
  });

  it('answers a disabled user with the route’s 401', async () => {
    const admin = await registerUser(app, { email: 'boss@example.com' });
    const user = await warmUser();
    expect((await bothPaths('/api/referrals/summary', bearer(user.accessToken))).fast).toBe(true);
    expect((await api(app, 'POST', `/api/admin/users/${user.id}/disable`, { token: admin.accessToken })).status).toBe(204);
    for (const path of CACHED_READS) {
      const result = await bothPaths(path, bearer(user.accessToken));
      expect(result).toMatchObject({ fast: false, status: 401 });
    }
  });

  it.each([
    ['an unknown query parameter', '/api/earnings/summary?x=1', '/api/earnings/summary', 400],
    ['an empty query string', '/api/earnings/summary?', '/api/earnings/summary', 200],
    ['a trailing slash', '/api/earnings/summary/', '/api/earnings/summary', 404],
    ['another case', '/API/earnings/summary', '/api/earnings/summary', 404],
  ])('leaves %s to the router', async (_case, path, route, status) => {
    const user = await warmUser();
    const result = await bothPaths(path, bearer(user.accessToken), route);
    expect(result).toMatchObject({ fast: false, status });
  });

  it('leaves a GET with a body to the router', async () => {
    const user = await warmUser();
    const result = await bothPaths('/api/earnings/summary', { ...bearer(user.accessToken), 'Content-Length': '0' });
    expect(result).toMatchObject({ fast: false, status: 200 });
  });

  it('shows a credit at once (read-your-writes)', async () => {
    const user = await warmUser();
    expect(await bothPaths('/api/earnings/summary', bearer(user.accessToken))).toMatchObject({ fast: true, status: 200 });
    await app.server.app.get(LedgerService).apply({
      id: `pre-router-credit-${user.id}`,
      network: [{ userId: user.id, amount: 2_500_000n, at: new Date() }],
      nodes: [],
      bonuses: [],
    });
    const summaries = [];
    for (let i = 0; i < 2; i++) summaries.push(await bothPaths('/api/earnings/summary', bearer(user.accessToken)));
    expect(summaries.map((s) => JSON.parse(s.body).total)).toEqual([2.5, 2.5]);
    // The ledger's credit brought the cached summary up to date: the pre-router serves the new value at once.
    expect(summaries.map((s) => s.fast)).toEqual([true, true]);
  });
});
