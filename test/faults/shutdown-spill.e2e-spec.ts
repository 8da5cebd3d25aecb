import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * SIGTERM while PostgreSQL is down: the last flush cannot be written, so the accruals are spilled
 * to DATA_DIR; the next start (the database back) writes them, and a spill file replayed a second
 * time credits nothing twice.
 */
describe('a stop the database does not answer', () => {
  let postgres: PrivatePostgres;
  let dataDir: string;
  beforeAll(async () => {
    postgres = await PrivatePostgres.create();
    dataDir = mkdtempSync(join(tmpdir(), 'dash-spill-e2e-'));
  });
  afterAll(async () => {
    await postgres?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

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
  const written = async () => {
    const [node] = await sql<{ seconds: number; points: string }>(
      postgres.url,
      `SELECT connection_time::float8 AS seconds, (points_earned * 1000000)::bigint::text AS points FROM network_connections WHERE device_id = 'spill-node'`,
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
});
