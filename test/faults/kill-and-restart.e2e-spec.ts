import { registerUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { recordFigure } from '../support/figures';
import { NodeRunner } from '../support/node-runner';
import { freePort } from '../support/private-redis';
import { spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';

const HEARTBEAT_MS = 100;
const FLUSH_MS = 400;
/** Advised to the service, far above the nodes' period: see NodeRunner. */
const ADVISED_HEARTBEAT_MS = HEARTBEAT_MS * NodeRunner.ADVISED_FACTOR;

/** Crashes and stops of a real process: the loss bound of API.md, and never a double credit. */
describe('process kills and stops', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('kill');
  });
  afterAll(() => database.drop());

  const env = (port: number) => ({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: String(port),
    HEARTBEAT_INTERVAL_MS: String(ADVISED_HEARTBEAT_MS),
    CLIENT_TIMEOUT_MS: '5000',
    POINTS_PER_HOUR: '36000',
    EARNINGS_FLUSH_MS: String(FLUSH_MS),
    REFERRAL_RATES: '0.2,0.1,0.05',
    REFERRAL_QUALIFY_POINTS: '1000000',
    AUTH_REQUESTS_PER_MINUTE: '100000',
  });

  async function nodeOf(deviceId: string): Promise<{ seconds: number; lastSeen: number; connected: boolean }> {
    const [row] = await sql<{ seconds: number; lastSeen: Date | null; connected: boolean }>(
      database.url,
      `SELECT connection_time::float8 AS seconds, last_seen_at AS "lastSeen", connected FROM network_connections WHERE device_id = $1`,
      [deviceId],
    );
    return { seconds: row?.seconds ?? 0, lastSeen: row?.lastSeen === null || row === undefined ? 0 : new Date(row.lastSeen).getTime(), connected: row?.connected ?? false };
  }

  it('SIGKILL during flushes loses only what was not yet flushed and credits nothing twice after a restart', async () => {
    // The restarted process listens where the first did, so the node finds it again.
    const port = await freePort();
    let service = spawnService(env(port));
    const url = await service.ready;
    const root = await registerUser({ url });
    const middle = await registerUser({ url }, { referral_code: root.referralCode });
    const earner = await registerUser({ url }, { referral_code: middle.referralCode });
    const node = new NodeRunner(() => url.replace('http', 'ws'), earner.accessToken, 'crashy', HEARTBEAT_MS).start();

    let committedBefore = 0;
    let lost = 0;
    for (let crash = 0; crash < 2; crash++) {
      const sessions = crash + 1;
      await waitUntil(() => node.sessions.length === sessions && node.sessions[sessions - 1]!.answered.length > 12 + 3 * crash, {
        what: 'heartbeats before the crash',
      });
      // Flushes run every 400 ms and take a few: a kill lands between or in the middle of one.
      service.kill('SIGKILL');
      expect((await service.exited).signal).toBe('SIGKILL');
      // What the killed process committed, as it recorded it (nothing writes while it is down):
      // its uptime covers the session from Connected up to the last heartbeat its last flush
      // wrote, whenever on a busy machine that flush ran; and never more than the session lasted.
      const killed = await nodeOf('crashy');
      const session = node.sessions[sessions - 1]!;
      const credited = killed.seconds - committedBefore;
      expect(credited).toBeGreaterThanOrEqual((killed.lastSeen - session.connected) / 1000 - 0.001 * session.sent.length);
      expect(credited).toBeLessThanOrEqual(node.creditBounds([session]).upper);
      lost += Math.max(0, node.countedSeconds([session]) - credited);
      committedBefore = killed.seconds;

      service = spawnService(env(port));
      await service.ready;
      await waitUntil(() => node.sessions.length === sessions + 1 && node.sessions[sessions]!.answered.length > 12, {
        timeoutMs: 60_000,
        what: 'the node to reconnect to the restarted service',
      });
    }
    await node.stop();
    // The last session ended with Disconnect: written in full, within its exact bounds.
    const last = node.creditBounds([node.sessions[2]!]);
    await waitUntil(async () => {
      const row = await nodeOf('crashy');
      return !row.connected && row.seconds - committedBefore >= last.lower;
    }, { what: 'the last session to be written' });
    const written = (await nodeOf('crashy')).seconds - committedBefore;
    expect(written).toBeLessThanOrEqual(last.upper);
    recordFigure('sigkill-restart', 'uptime lost over two SIGKILLs (flush interval 0.4 s)', lost, 's');
    expect(await ledgerMismatches(database.url)).toEqual([]);
    expect(await referralMismatches(database.url)).toEqual([]);
    service.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
  });

  it('SIGTERM under load writes every node’s accruals and exits 0', async () => {
    const service = spawnService({ ...env(0), EARNINGS_FLUSH_MS: '600000', WS_MAX_MESSAGES_PER_SECOND: '100', CLIENT_TIMEOUT_MS: '30000' });
    const url = await service.ready;
    const users = await Promise.all(Array.from({ length: 20 }, () => registerUser({ url })));
    const nodes = users.flatMap((user, u) =>
      Array.from({ length: 10 }, (_, n) => new NodeRunner(() => url.replace('http', 'ws'), user.accessToken, `load-${u}-${n}`, HEARTBEAT_MS).start()),
    );
    await waitUntil(() => nodes.every((node) => node.answeredHeartbeats >= 8), { timeoutMs: 120_000, what: '200 nodes heartbeating' });
    service.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    await Promise.all(nodes.map((node) => node.stop()));
    expect(new Set(nodes.flatMap((node) => node.closeCodes))).toEqual(new Set([1001]));

    const rows = await sql<{ device_id: string; seconds: number }>(
      database.url,
      `SELECT device_id, connection_time::float8 AS seconds FROM network_connections WHERE device_id LIKE 'load-%'`,
    );
    expect(rows).toHaveLength(200);
    const byDevice = new Map(rows.map((row) => [row.device_id, row.seconds]));
    const deviceOf = (index: number) => `load-${Math.floor(index / 10)}-${index % 10}`;
    const worst = Math.max(...nodes.map((node, index) => Math.abs(byDevice.get(deviceOf(index))! - node.countedSeconds())));
    recordFigure('sigterm-under-load', 'largest |uptime written - counted| over 200 nodes', worst, 's');
    // Everything counted, none of it twice (a flush period of ten minutes never came): each node's
    // uptime within the exact bounds of its session.
    const outside = nodes.flatMap((node, index) => {
      const { lower, upper } = node.creditBounds();
      const written = byDevice.get(deviceOf(index))!;
      return written >= lower && written <= upper ? [] : [`${deviceOf(index)}: ${written} not in [${lower}, ${upper}]`];
    });
    expect(outside).toEqual([]);
    expect(await ledgerMismatches(database.url)).toEqual([]);
  });
});
