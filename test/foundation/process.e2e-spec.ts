import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, registerUser } from '../support/api-client';
import { spawnService } from '../support/service-process';
import { TestSocket } from '../support/ws-client';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { TEST_JWT_SECRET } from '../support/test-app';
import { waitUntil } from '../support/wait';

describe('the service as a process', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('process');
  });
  afterAll(() => database.drop());

  it('refuses an invalid configuration with exit code 1, naming each bad variable', async () => {
    const service = spawnService({ PORT: 'http', WS_MAX_MESSAGES_PER_SECOND: '0', EPOCH_GENESIS: 'yesterday' });
    const { code } = await service.exited;
    expect(code).toBe(1);
    const message = service.stderr.join('\n');
    expect(message).toMatch(/Invalid configuration \(3 variables\)/);
    for (const variable of ['PORT', 'WS_MAX_MESSAGES_PER_SECOND', 'EPOCH_GENESIS']) {
      expect(message).toContain(`${variable}:`);
    }
  });

  it('refuses to start in production without JWT_SECRET', async () => {
    const service = spawnService({ NODE_ENV: 'production', DATABASE_URL: database.url });
    expect((await service.exited).code).toBe(1);
    expect(service.stderr.join('\n')).toContain('JWT_SECRET: required when NODE_ENV=production');
  });

  it('on SIGTERM turns readiness to 503, finishes, and exits 0', async () => {
    const service = spawnService({
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      SHUTDOWN_DELAY_MS: '3000',
    });
    const url = await service.ready;
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    service.kill('SIGTERM');
    // During the drain delay the listener is still open and tells load balancers to go away.
    let readiness: { status: number; body: unknown } | undefined;
    await waitUntil(async () => {
      const response = await fetch(`${url}/health/ready`);
      readiness = { status: response.status, body: await response.json() };
      return response.status === 503;
    });
    expect(readiness!.body).toMatchObject({ status: 'error', error: { lifecycle: { status: 'down' } } });
    // Liveness stays green: the process is healthy, just leaving.
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it('without DATABASE_URL runs on the embedded database and keeps its data across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dash-embedded-'));
    try {
      const first = spawnService({ DATA_DIR: dataDir });
      const url = await first.ready;
      expect(first.stdout.join('\n')).toContain('Database: embedded PostgreSQL (PGlite)');
      expect(first.stdout.join('\n')).toContain('Ran migrations: InitialSchema');
      expect(first.stdout.join('\n')).toMatch(/JWT_SECRET is not set: using a secret generated into/);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ info: { database: { status: 'up' } } });
      const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8');
      const user = await registerUser({ url });
      // A node's uptime goes through the ledger's statements on the embedded database too; SIGTERM
      // flushes it. Uptime is the time between heartbeats, so some must pass: the waits are the input.
      const node = await TestSocket.open(url.replace(/^http/, 'ws'), '/ws/dashboard', { token: user.accessToken });
      await node.connect({ device_id: 'embedded-node', role: 'node' });
      for (let beat = 0; beat < 2; beat++) {
        await new Promise((resolve) => setTimeout(resolve, 600));
        node.send({ type: 'Heartbeat' });
        await node.next('Heartbeat');
      }
      first.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);

      const second = spawnService({ DATA_DIR: dataDir });
      const secondUrl = await second.ready;
      // The account made before the restart logs in, and its old access token is still good.
      const login = await api({ url: secondUrl }, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
      expect(login.status).toBe(200);
      expect((await api({ url: secondUrl }, 'GET', '/api/user/me', { token: user.accessToken })).body.id).toBe(user.id);
      const [credited] = (await api({ url: secondUrl }, 'GET', '/api/networks', { token: user.accessToken })).body.items as Array<{
        device_id: string;
        connection_time: number;
        points_earned: number;
      }>;
      expect(credited).toMatchObject({ device_id: 'embedded-node' });
      expect(credited!.connection_time).toBeGreaterThan(0);
      expect(credited!.points_earned).toBeGreaterThan(0);
      const summary = (await api({ url: secondUrl }, 'GET', '/api/earnings/summary', { token: user.accessToken })).body as { total: number };
      expect(summary.total).toBe(credited!.points_earned);
      // Same database: migrations already applied; same generated secret.
      expect(second.stdout.join('\n')).not.toContain('Ran migrations');
      expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
