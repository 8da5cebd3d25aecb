import { api, registerUser } from '../support/api-client';
import { ledgerMismatches } from '../support/ledger-invariant';
import { NodeRunner } from '../support/node-runner';
import { PrivateRedis } from '../support/private-redis';
import { ServiceProcess, spawnService } from '../support/service-process';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';

/** Redis stops and comes back: one instance keeps serving its own sockets, then live updates resume. */
describe('Redis outage', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let service: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase('redis_outage'), PrivateRedis.start()]);
    service = spawnService({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      JWT_SECRET: TEST_JWT_SECRET,
      HEARTBEAT_INTERVAL_MS: '200',
      POINTS_PER_HOUR: '36000',
      EARNINGS_FLUSH_MS: '300',
      EARNINGS_PUSH_MS: '200',
    });
    url = await service.ready;
  });
  afterAll(async () => {
    service?.kill('SIGTERM');
    await service?.exited;
    await redis?.stop();
    await database?.drop();
  });

  it('keeps heartbeats, accrual, login and REST going, and resumes pushes when Redis returns', async () => {
    const user = await registerUser({ url });
    const node = new NodeRunner(() => url.replace('http', 'ws'), user.accessToken, 'steady', 200).start();
    const viewer = await TestSocket.open(url.replace('http', 'ws'), '/ws/earnings', { token: user.accessToken });
    await viewer.connect({ device_id: 'tab' });
    await waitUntil(() => viewer.frames.some((frame) => frame.type === 'EarningsUpdate' && frame.payload.earnings.total > 0));

    await redis.stop();
    await waitUntil(async () => (await fetch(`${url}/health/ready`)).status === 503, { what: 'readiness 503' });
    const during = node.answeredHeartbeats;
    await waitUntil(() => node.answeredHeartbeats >= during + 10, { what: 'heartbeats during the outage' });
    // Auth and REST do not need Redis to answer (limits fail open, caches fall back).
    expect((await api({ url }, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
    expect((await api({ url }, 'GET', '/api/earnings/summary', { token: user.accessToken })).status).toBe(200);
    expect(node.closeCodes).toEqual([]);

    await redis.start();
    await waitUntil(async () => (await fetch(`${url}/health/ready`)).status === 200, { timeoutMs: 15_000, what: 'readiness 200' });
    const seen = viewer.frames.length;
    await waitUntil(() => viewer.frames.slice(seen).some((frame) => frame.type === 'EarningsUpdate'), {
      timeoutMs: 15_000,
      what: 'live updates after Redis returned',
    });
    await node.stop();
    viewer.close();
    expect(node.closeCodes).toEqual([1000]);
    expect(await ledgerMismatches(database.url)).toEqual([]);
    expect(service.child.exitCode).toBeNull();
  });
});
