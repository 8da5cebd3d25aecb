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
      HEARTBEAT_INTERVAL_MS: '200',
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
    await node.connect({ device_id: 'graceful' });
    const viewer = await TestSocket.open(url.replace('http', 'ws'), '/ws/earnings', { token: user.accessToken });
    await viewer.connect({ device_id: 'tab' });
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      node.send({ type: 'Heartbeat' });
    }
    await node.next('Heartbeat');
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
    // Eight beats 200 ms apart: about 1.6 s of uptime, about 16 points.
    expect(after!.seconds).toBeGreaterThan(1.4);
    expect(after!.seconds).toBeLessThan(2.2);
    expect(after!.points).toBeGreaterThan(12);
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
