import { api, registerUser } from '../support/api-client';
import { ledgerMismatches } from '../support/ledger-invariant';
import { spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { TestSocket } from '../support/ws-client';

/** Graceful stop of a real process: nothing accrued is lost, even with a long flush period. */
describe('SIGTERM with buffered accruals', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('shutdown');
  });
  afterAll(() => database.drop());

  it('disconnects clients with 1001, writes every accrual, exits 0, and the points survive a restart', async () => {
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      // Advised far above the node's 200 ms beats, so no credited gap is ever capped and the uptime
      // check below is an exact bound, however late a busy machine runs the timers.
      HEARTBEAT_INTERVAL_MS: '2000',
      POINTS_PER_HOUR: '36000',
      // Nothing would be written for ten minutes, were it not for the graceful stop.
      EARNINGS_FLUSH_MS: '600000',
      AUTH_REQUESTS_PER_MINUTE: '1000',
    };
    const service = spawnService(env);
    const url = await service.ready;
    const app = { url };
    const user = await registerUser(app);
    const node = await TestSocket.open(url.replace('http', 'ws'), '/ws/dashboard', { token: user.accessToken });
    const connectSent = Date.now();
    await node.connect({ device_id: 'graceful' });
    const connected = Date.now();
    let lastSent = 0;
    const viewer = await TestSocket.open(url.replace('http', 'ws'), '/ws/earnings', { token: user.accessToken });
    await viewer.connect({ device_id: 'tab' });
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200)); // the node's own pace
      lastSent = Date.now();
      node.send({ type: 'Heartbeat' });
    }
    await node.next('Heartbeat');
    const lastAnswered = Date.now();
    const [before] = await sql<{ points: number }>(database.url, `SELECT points_earned::float8 AS points FROM network_connections`);
    expect(before!.points).toBe(0);

    service.kill('SIGTERM');
    for (const socket of [node, viewer]) {
      expect(await socket.next('Disconnect')).toEqual({ type: 'Disconnect', payload: { reason: 'server shutting down' } });
      expect((await socket.closed).code).toBe(1001);
    }
    expect(await service.exited).toEqual({ code: 0, signal: null });

    const [after] = await sql<{ points: number; seconds: number; connected: boolean }>(
      database.url,
      `SELECT points_earned::float8 AS points, connection_time::float8 AS seconds, connected FROM network_connections`,
    );
    // Eight beats 200 ms apart, about 1.6 s: the server read the Connect and the beats between the
    // client's times around them, so it credits at least Connected → last send, at most Connect
    // sent → last reply (a millisecond of rounding per beat). Points: 10 a second × score (≥ 0.5).
    expect(after!.seconds).toBeGreaterThanOrEqual((lastSent - connected - 8) / 1000);
    expect(after!.seconds).toBeLessThanOrEqual((lastAnswered - connectSent + 8) / 1000);
    expect(after!.points).toBeGreaterThanOrEqual(after!.seconds * 10 * 0.5);
    expect(after!.points).toBeLessThanOrEqual(after!.seconds * 10 + 1e-6);
    expect(after!.connected).toBe(false);
    expect(await ledgerMismatches(database.url)).toEqual([]);

    const restarted = spawnService(env);
    const restartedUrl = await restarted.ready;
    const summary = await api({ url: restartedUrl }, 'GET', '/api/earnings/summary', { token: user.accessToken });
    expect(summary.body.by_source.network).toBe(after!.points);
    restarted.kill('SIGTERM');
    expect((await restarted.exited).code).toBe(0);
  });
});
