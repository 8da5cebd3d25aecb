import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LISTEN_BACKLOG } from '../../src/server';
import { api, registerUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

describe('HTTP basics: health, errors, request ids, metrics, docs, logs', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ label: 'http_basics' });
  });
  afterAll(() => app.close());

  it('answers liveness and readiness with terminus JSON', async () => {
    const live = await fetch(`${app.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });

    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, lifecycle: { status: 'up' } },
    });
  });

  it('listens with an accept queue deep enough for a reconnect storm, as far as the kernel allows', () => {
    // A listening socket's Send-Q in ss is its backlog (Node's default is 511).
    const port = new URL(app.url).port;
    const [listening] = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n');
    const backlog = Number(listening!.trim().split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(backlog).toBe(Math.min(LISTEN_BACKLOG, somaxconn));
  });

  it('answers an unknown route with 404 and the error body', async () => {
    const response = await fetch(`${app.url}/api/does-not-exist`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      error: 'EntityNotFound',
      message: 'Route not found',
      request_id: response.headers.get('x-request-id'),
    });
  });

  it('keeps a sane client request id and replaces an unsafe one', async () => {
    const kept = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'client-abc.123' } });
    expect(kept.headers.get('x-request-id')).toBe('client-abc.123');

    const replaced = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'bad id <script>' } });
    const id = replaced.headers.get('x-request-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);

    const generated = await fetch(`${app.url}/health/live`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(generated.headers.get('x-request-id')).not.toBe(id);
  });

  it('exposes Prometheus metrics with route templates as labels', async () => {
    await fetch(`${app.url}/health/live`);
    await fetch(`${app.url}/no/such/page/123`);
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/health\/live",status="200"\} \d+/m,
    );
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/);
    // Raw URLs never become labels (unbounded cardinality).
    expect(text).not.toContain('/no/such/page/123');
  });

  it('serves the OpenAPI UI and document', async () => {
    const ui = await fetch(`${app.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    const json = await fetch(`${app.url}/docs-json`);
    expect(json.status).toBe(200);
    const document = (await json.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });

  it('logs JSON lines with the request id and redacts credentials', async () => {
    const response = await fetch(`${app.url}/api/unknown?token=query-secret-123`, {
      headers: { authorization: 'Bearer very-secret-token-xyz', 'x-request-id': 'log-test-1' },
    });
    expect(response.status).toBe(404);
    await waitUntil(() => app.logs.accessLines().some((line) => line.req.id === 'log-test-1'));
    const line = app.logs.accessLines().find((entry) => entry.req.id === 'log-test-1')!;
    expect(line.res.statusCode).toBe(404);
    expect(line.req.url).toBe('/api/unknown');
    expect(line.req.headers.authorization).toBe('[redacted]');
    const everything = app.logs.raw.join('\n');
    expect(everything).not.toContain('very-secret-token-xyz');
    expect(everything).not.toContain('query-secret-123');
    // Probes and scrapes do not flood the access log.
    expect(app.logs.accessLines().some((entry) => entry.req.url === '/health/live')).toBe(false);
  });

  it('puts the request id on log lines written while a request is handled, and logs successes once', async () => {
    const user = await registerUser(app);
    const response = await api(app, 'PATCH', '/api/user/me', {
      token: user.accessToken,
      body: { username: `${user.username}_x` },
      headers: { 'x-request-id': 'log-test-2' },
    });
    expect(response.status).toBe(200);
    await waitUntil(() => app.logs.accessLines().some((line) => line.req.id === 'log-test-2'));
    const service = app.logs.lines.find((line) => line.msg === 'Profile updated' && (line.req as { id?: string } | undefined)?.id === 'log-test-2');
    expect(service).toMatchObject({ req: { id: 'log-test-2', method: 'PATCH', url: '/api/user/me', headers: { authorization: '[redacted]' } } });
    const access = app.logs.accessLines().filter((line) => line.req.id === 'log-test-2');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: 30, res: { statusCode: 200 } });
  });
});

