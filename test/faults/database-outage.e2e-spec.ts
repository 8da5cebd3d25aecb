import { api, registerUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { recordFigure } from '../support/figures';
import { NodeRunner } from '../support/node-runner';
import { PrivatePostgres } from '../support/private-postgres';
import { ServiceProcess, spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';

const HEARTBEAT_MS = 200;
/** Advised to the service, far above the node's period: see NodeRunner. */
const ADVISED_HEARTBEAT_MS = HEARTBEAT_MS * NodeRunner.ADVISED_FACTOR;

/**
 * PostgreSQL stops mid-run and comes back: flushes fail and are retried, credits stay buffered
 * and are written when it returns, readiness is 503 meanwhile, nothing crashes or is credited twice.
 */
describe('PostgreSQL outage', () => {
  let postgres: PrivatePostgres;
  let service: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
    service = spawnService({
      DATABASE_URL: postgres.url,
      JWT_SECRET: TEST_JWT_SECRET,
      HEARTBEAT_INTERVAL_MS: String(ADVISED_HEARTBEAT_MS),
      CLIENT_TIMEOUT_MS: '10000',
      POINTS_PER_HOUR: '36000',
      EARNINGS_FLUSH_MS: '300',
      REFERRAL_RATES: '0.2,0.1',
      REFERRAL_QUALIFY_POINTS: '20',
      REFERRAL_BONUS_POINTS: '50',
    });
    url = await service.ready;
  });
  afterAll(async () => {
    service?.kill('SIGTERM');
    await service?.exited;
    await postgres?.destroy();
  });

  it('keeps credits through the outage and writes each exactly once when the database returns', async () => {
    const grand = await registerUser({ url });
    const referrer = await registerUser({ url }, { referral_code: grand.referralCode });
    const earner = await registerUser({ url }, { referral_code: referrer.referralCode });
    const node = new NodeRunner(() => url.replace('http', 'ws'), earner.accessToken, 'outage-node', HEARTBEAT_MS).start();
    await waitUntil(() => node.answeredHeartbeats >= 5);

    await postgres.stop();
    await waitUntil(async () => (await fetch(`${url}/health/ready`)).status === 503, { what: 'readiness 503' });
    // The node keeps earning while the database is away: heartbeats are still answered.
    const during = node.answeredHeartbeats;
    await waitUntil(() => node.answeredHeartbeats >= during + 10, { what: 'heartbeats during the outage' });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    // REST that needs the database says so, with the contract's error and no internals.
    const summary = await api({ url }, 'GET', '/api/earnings/summary', { token: earner.accessToken });
    expect(summary.status).toBe(503);
    expect(summary.body).toMatchObject({ error: 'ServiceUnavailable' });
    expect(JSON.stringify(summary.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
    // A node connecting now cannot be checked or registered: it is told so (not 4401) and closed with 1011.
    const late = await TestSocket.open(url.replace('http', 'ws'), '/ws/dashboard', { token: earner.accessToken });
    late.send({ type: 'Connect', payload: { device_id: 'late-node' } });
    expect((await late.next('Error')).payload.error).toBe('ServiceUnavailable');
    expect((await late.closed).code).toBe(1011);

    await postgres.start();
    await waitUntil(async () => (await fetch(`${url}/health/ready`)).status === 200, { timeoutMs: 20_000, what: 'readiness 200' });
    await waitUntil(() => node.answeredHeartbeats >= during + 20);
    await node.stop();
    expect(node.closeCodes).toEqual([1000]);

    const { lower, upper } = node.creditBounds();
    await waitUntil(async () => {
      const [row] = await sql<{ seconds: number; connected: boolean }>(
        postgres.url,
        `SELECT connection_time::float8 AS seconds, connected FROM network_connections WHERE device_id = 'outage-node'`,
      );
      return row !== undefined && !row.connected && row.seconds >= lower;
    }, { timeoutMs: 15_000, what: 'the buffered uptime to be written' });
    const [row] = await sql<{ seconds: number }>(
      postgres.url,
      `SELECT connection_time::float8 AS seconds FROM network_connections WHERE device_id = 'outage-node'`,
    );
    recordFigure('postgres-outage', 'uptime written minus uptime counted by the node', row!.seconds - node.countedSeconds(), 's');
    recordFigure('postgres-outage', 'heartbeats answered during the outage', node.answeredHeartbeats - during, 'heartbeats');
    // Everything the node earned, across the outage: nothing lost, nothing twice — within the exact
    // bounds of its session (from Connected to its last answered heartbeat, from Connect to the close).
    expect(row!.seconds).toBeGreaterThanOrEqual(lower);
    expect(row!.seconds).toBeLessThanOrEqual(upper);
    expect(await ledgerMismatches(postgres.url)).toEqual([]);
    expect(await referralMismatches(postgres.url)).toEqual([]);
    // The referral qualified (20 points) once, even with flushes retried.
    const bonuses = await sql(postgres.url, `SELECT 1 FROM earnings WHERE source = 'Bonus' AND ref LIKE 'referral:%'`);
    expect(bonuses).toHaveLength(1);
    expect(service.child.exitCode).toBeNull();
  });
});
