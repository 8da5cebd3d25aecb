import { api, registerUser } from '../support/api-client';
import { ledgerMismatches } from '../support/ledger-invariant';
import { NodeRunner } from '../support/node-runner';
import { spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';
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

  it('with SHUTDOWN_DRAIN_MS, closes the sockets one by one over the window; those still open keep earning and nothing is lost', async () => {
    const NODES = 10;
    const DRAIN_MS = 2000;
    const BEAT_MS = 200;
    const service = spawnService({
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      HEARTBEAT_INTERVAL_MS: String(BEAT_MS * NodeRunner.ADVISED_FACTOR),
      POINTS_PER_HOUR: '36000',
      EARNINGS_FLUSH_MS: '600000',
      AUTH_REQUESTS_PER_MINUTE: '1000',
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
    });
    const url = await service.ready;
    const user = await registerUser({ url });
    const runners = Array.from({ length: NODES }, (_, i) => new NodeRunner(() => url.replace('http', 'ws'), user.accessToken, `drained-${i}`, BEAT_MS).start());
    // Every node connected and answered at least one beat before the stop.
    await Promise.all(runners.map((runner) => waitUntil(() => runner.answeredHeartbeats > 0)));

    const killedAt = Date.now();
    service.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    await Promise.all(runners.map((runner) => runner.stop()));

    // One session each (a reconnect during the drain is refused), ended by the server with 1001.
    expect(runners.map((runner) => [runner.sessions.length, runner.closeCodes[0]])).toEqual(runners.map(() => [1, 1001]));
    // The i-th close came no earlier than its turn, i × DRAIN_MS / NODES after the signal (the
    // server's drain starts after the signal, and a busy machine only makes it later).
    const closes = runners.map((runner) => runner.sessions[0]!.closedAt - killedAt).sort((a, b) => a - b);
    closes.forEach((at, i) => expect([i, at >= (i * DRAIN_MS) / NODES - 5]).toEqual([i, true]));
    // The last socket closed (open at least 1.8 s into the drain) kept heartbeating, answered, and
    // each node was credited exactly what its client saw (the bounds below include those beats).
    const last = runners.reduce((a, b) => (a.sessions[0]!.closedAt > b.sessions[0]!.closedAt ? a : b));
    expect(last.sessions[0]!.answered.filter((sentAt) => sentAt > killedAt).length).toBeGreaterThan(0);

    const rows = await sql<{ device_id: string; seconds: number }>(
      database.url,
      `SELECT device_id, connection_time::float8 AS seconds FROM network_connections WHERE device_id LIKE 'drained-%' ORDER BY device_id`,
    );
    for (const runner of runners) {
      const row = rows.find((candidate) => candidate.device_id === runner.deviceId)!;
      const bounds = runner.creditBounds();
      expect([runner.deviceId, row.seconds >= bounds.lower, row.seconds <= bounds.upper]).toEqual([runner.deviceId, true, true]);
    }
    expect(await ledgerMismatches(database.url)).toEqual([]);
  });
});
