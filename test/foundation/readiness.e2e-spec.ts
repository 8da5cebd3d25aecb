import { PrivatePostgres } from '../support/private-postgres';
import { PrivateRedis } from '../support/private-redis';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

/**
 * Readiness follows the dependencies: 503 while one is down, 200 again once it is back; the
 * metrics the alert rules read (dashboard_ready, dashboard_dependency_up) say the same.
 */
describe('readiness under dependency outages', () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let app: TestApp;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([PrivatePostgres.create(), PrivateRedis.start()]);
    app = await startTestApp({
      label: 'readiness',
      database: { name: 'postgres', url: postgres.url, drop: () => Promise.resolve() },
      env: { REDIS_URL: redis.url },
    });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await postgres?.destroy();
  });

  const readiness = async () => {
    const response = await fetch(`${app.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as { error?: Record<string, unknown> } };
  };

  const health = async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const value = (series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1]);
    return {
      ready: value('dashboard_ready'),
      database: value('dashboard_dependency_up{dependency="database"}'),
      redis: value('dashboard_dependency_up{dependency="redis"}'),
    };
  };

  it('reports Redis down and recovers when it returns', async () => {
    expect((await readiness()).status).toBe(200);
    await redis.stop();
    await waitUntil(async () => (await readiness()).status === 503, { what: 'readiness 503' });
    expect((await readiness()).body.error).toHaveProperty('redis');
    expect(await health()).toEqual({ ready: 0, database: 1, redis: 0 });
    // Liveness does not depend on Redis: restarting the pod would not help.
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);

    await redis.start();
    await waitUntil(async () => (await readiness()).status === 200, { what: 'readiness 200', timeoutMs: 15_000 });
    expect(await health()).toEqual({ ready: 1, database: 1, redis: 1 });
  });

  it('reports the database down and recovers when it returns', async () => {
    await postgres.stop();
    await waitUntil(async () => (await readiness()).status === 503, { what: 'readiness 503' });
    expect((await readiness()).body.error).toHaveProperty('database');
    expect(await health()).toEqual({ ready: 0, database: 0, redis: 1 });
    // Other routes keep answering (no crash).
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);

    await postgres.start();
    await waitUntil(async () => (await readiness()).status === 200, { what: 'readiness 200', timeoutMs: 15_000 });
  });
});
