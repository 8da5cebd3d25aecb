import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { registerUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { NodeRunner } from '../support/node-runner';
import { PrivatePostgres } from '../support/private-postgres';
import { spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { waitUntil } from '../support/wait';

const HEARTBEAT_MS = 100;
/** Advised to the service, far above the node's period: see NodeRunner. */
const ADVISED_HEARTBEAT_MS = HEARTBEAT_MS * NodeRunner.ADVISED_FACTOR;

/**
 * SIGTERM while PostgreSQL is down, or while the last flush waits on a lock: the accruals are
 * spilled to DATA_DIR at SHUTDOWN_FLUSH_MS; the next start writes them, and a spill file replayed
 * a second time (or holding a batch that committed after all) credits nothing twice.
 */
describe('a stop the database does not answer', () => {
  let postgres: PrivatePostgres;
  let dataDir: string;
  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dash-spill-e2e-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  afterAll(() => postgres?.destroy());

  const env = () => ({
    DATABASE_URL: postgres.url,
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    HEARTBEAT_INTERVAL_MS: String(ADVISED_HEARTBEAT_MS),
    CLIENT_TIMEOUT_MS: '30000',
    POINTS_PER_HOUR: '36000',
    // No flush before the stop: everything the node earns is in the buffer when SIGTERM comes.
    EARNINGS_FLUSH_MS: '600000',
    SHUTDOWN_FLUSH_MS: '500',
    REFERRAL_RATES: '0.2',
    REFERRAL_QUALIFY_POINTS: '1000000',
  });
  const spillFiles = () => readdirSync(join(dataDir, 'unwritten-accruals'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.accruals'));
  const written = async (deviceId = 'spill-node') => {
    const [node] = await sql<{ seconds: number; points: string }>(
      postgres.url,
      `SELECT connection_time::float8 AS seconds, (points_earned * 1000000)::bigint::text AS points FROM network_connections WHERE device_id = $1`,
      [deviceId],
    );
    const balances = await sql<{ user_id: number; network: string; referral: string }>(
      postgres.url,
      `SELECT user_id::int AS user_id, (network * 1000000)::bigint::text AS network, (referral * 1000000)::bigint::text AS referral
         FROM user_balances ORDER BY user_id`,
    );
    return { node: node!, balances };
  };

  it('spills the unwritten accruals at SIGTERM and the next start writes them exactly once', async () => {
    const first = spawnService(env());
    const url = await first.ready;
    const referrer = await registerUser({ url });
    const earner = await registerUser({ url }, { referral_code: referrer.referralCode });
    const node = new NodeRunner(() => url.replace('http', 'ws'), earner.accessToken, 'spill-node', HEARTBEAT_MS).start();
    await waitUntil(() => node.answeredHeartbeats >= 10, { what: 'heartbeats' });

    await postgres.stop();
    first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await node.stop();
    expect(first.stdout.join('\n')).toMatch(/spilled them for the next start/);
    const files = spillFiles();
    expect(files).toHaveLength(1);
    const copy = join(dataDir, 'copy-of-spill');
    copyFileSync(join(dataDir, 'unwritten-accruals', files[0]!), copy);

    // The database is back: the next start writes the spill before anything else.
    await postgres.start();
    const second = spawnService(env());
    await second.ready;
    await waitUntil(() => spillFiles().length === 0, { timeoutMs: 20_000, what: 'the spill to be written and deleted' });
    const after = await written();
    const { lower, upper } = node.creditBounds();
    expect(after.node.seconds).toBeGreaterThanOrEqual(lower);
    expect(after.node.seconds).toBeLessThanOrEqual(upper);
    // In micro-points: the node's points are the earner's Network balance, and the referrer earned
    // 20% of them (truncated per ledger bucket: the window may span two).
    const earned = BigInt(after.node.points);
    expect(earned).toBeGreaterThan(0n);
    const balanceOf = (userId: number) => after.balances.find((balance) => balance.user_id === userId);
    expect(balanceOf(earner.id)?.network).toBe(after.node.points);
    const commission = BigInt(balanceOf(referrer.id)?.referral ?? '0');
    expect(commission).toBeLessThanOrEqual(earned / 5n);
    expect(commission).toBeGreaterThanOrEqual(earned / 5n - 1n);
    expect(await ledgerMismatches(postgres.url)).toEqual([]);
    expect(await referralMismatches(postgres.url)).toEqual([]);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    // The same spill once more (a start killed after writing it, before deleting it): its batch
    // ids are in the ledger, so nothing is credited again and the file is cleared.
    copyFileSync(copy, join(dataDir, 'unwritten-accruals', files[0]!));
    const third = spawnService(env());
    await third.ready;
    await waitUntil(() => spillFiles().length === 0, { timeoutMs: 20_000, what: 'the replayed spill to be cleared' });
    expect(await written()).toEqual(after);
    third.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  });

  it('a last flush that waits on a lock past the deadline is spilled in flight, and the next start writes it once', async () => {
    const service = spawnService(env());
    const url = await service.ready;
    const earner = await registerUser({ url });
    const node = new NodeRunner(() => url.replace('http', 'ws'), earner.accessToken, 'locked-node', HEARTBEAT_MS).start();
    await waitUntil(() => node.answeredHeartbeats >= 10, { what: 'heartbeats' });

    // Another session holds the earner's user row: the flush's earnings insert (its foreign key)
    // waits for it, as a write to a database that stopped answering (a failover) would.
    const blocker = new Client({ connectionString: postgres.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [earner.id]);
      service.kill('SIGTERM');
      // The stop does not wait for the write past SHUTDOWN_FLUSH_MS: it spills the batch and exits,
      // its transaction rolled back with the connection.
      expect(await service.exited).toEqual({ code: 0, signal: null });
      await node.stop();
      expect(service.stdout.join('\n')).toMatch(/spilled them for the next start/);
      expect(spillFiles()).toHaveLength(1);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await written('locked-node')).node.points).toBe('0');

    const next = spawnService(env());
    await next.ready;
    await waitUntil(() => spillFiles().length === 0, { timeoutMs: 20_000, what: 'the spill to be written and deleted' });
    const { node: row } = await written('locked-node');
    const { lower, upper } = node.creditBounds();
    expect(row.seconds).toBeGreaterThanOrEqual(lower);
    expect(row.seconds).toBeLessThanOrEqual(upper);
    expect(await ledgerMismatches(postgres.url)).toEqual([]);
    next.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });
});
