import { AccrualFlusher } from '../../src/modules/network/accrual/accrual-flusher.service';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { Frame, TestSocket } from '../support/ws-client';

const HEARTBEAT_MS = 200;
/**
 * The interval the first block's service advises: its cap on a credited gap (twice this) is far
 * above its nodes' quick beats, so a busy machine's delays never reach it, and far below the one
 * long gap, which it always cuts. The uptime checks can then be exact bounds.
 */
const ADVISED_HEARTBEAT_MS = 1_000;
const CAP_MS = 2 * ADVISED_HEARTBEAT_MS;
const QUICK_BEAT_MS = 50;
const LONG_GAP_MS = 3_000;
/** 36,000 points per hour at score 1: 10 points a second, 0.01 per millisecond. */
const POINTS_PER_MS = 0.01;

interface NodeRun {
  socket: TestSocket;
  /** Client time before Connect went out, and after Connected arrived. */
  connectSent: number;
  connected: number;
  /** Per heartbeat: client time of its send, and of its reply's arrival. */
  sent: number[];
  answered: number[];
}

/** Connects a node and sends heartbeats at the given gaps (ms), like a node app would, awaiting each reply. */
async function runNode(app: TestApp, user: RegisteredUser, deviceId: string, gaps: number[], headers?: Record<string, string>): Promise<NodeRun> {
  const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken, headers });
  const connectSent = Date.now();
  await socket.connect({ device_id: deviceId });
  const run: NodeRun = { socket, connectSent, connected: Date.now(), sent: [], answered: [] };
  for (const gap of gaps) {
    await new Promise((resolve) => setTimeout(resolve, gap)); // the node's own pace: the input under test
    run.sent.push(Date.now());
    socket.send({ type: 'Heartbeat' });
    await socket.next('Heartbeat');
    run.answered.push(Date.now());
  }
  return run;
}

async function nodeRow(app: TestApp, userId: number, deviceId: string) {
  const [row] = await sql<{ id: number; points: number; seconds: number; score: number; connected: boolean; ip: string }>(
    app.database.url,
    `SELECT id::int AS id, points_earned::float8 AS points, connection_time::float8 AS seconds, network_score AS score, connected, ip_address AS ip
       FROM network_connections WHERE user_id = $1 AND device_id = $2`,
    [userId, deviceId],
  );
  return row!;
}

describe('uptime accrual from real heartbeats', () => {
  let app: TestApp;
  const env = {
    HEARTBEAT_INTERVAL_MS: String(ADVISED_HEARTBEAT_MS),
    CLIENT_TIMEOUT_MS: '5000',
    POINTS_PER_HOUR: '36000',
    EARNINGS_FLUSH_MS: '200',
    EARNINGS_PUSH_MS: '200',
    REFERRAL_RATES: '0.2,0.1',
    REFERRAL_QUALIFY_POINTS: '5',
    REFERRAL_BONUS_POINTS: '50',
  };

  beforeAll(async () => {
    app = await startTestApp({ label: 'accrual', env });
  });
  afterAll(() => app.close());

  it('credits POINTS_PER_HOUR × score × capped interval, and the same uptime', async () => {
    const user = await registerUser(app);
    // Heartbeats far quicker than the advised period (never capped, however late a busy machine
    // reads them), one gap far beyond the cap (always capped), then quick ones again.
    const gaps = [...Array<number>(5).fill(QUICK_BEAT_MS), LONG_GAP_MS, ...Array<number>(4).fill(QUICK_BEAT_MS)];
    const run = await runNode(app, user, 'meter', gaps);
    run.socket.send({ type: 'Disconnect' });
    await run.socket.closed;
    // The socket is closed: once the last accruals are flushed, nothing changes any more.
    const flusher = app.server.app.get(AccrualFlusher);
    await waitUntil(async () => !(await nodeRow(app, user.id, 'meter')).connected && flusher.idle);
    const row = await nodeRow(app, user.id, 'meter');

    // Uptime, as exact bounds: the server read each beat between its send and its reply, and the
    // Connect before Connected; it credits the time between them, with the long gap cut to the cap.
    const long = 5; // index of the beat after the long gap
    const lower = run.sent[long - 1]! - run.connected + CAP_MS + (run.sent.at(-1)! - run.answered[long]!);
    const upper = run.answered[long - 1]! - run.connectSent + CAP_MS + (run.answered.at(-1)! - run.sent[long]!);
    expect(row.seconds * 1000).toBeGreaterThanOrEqual(lower - gaps.length);
    expect(row.seconds * 1000).toBeLessThanOrEqual(upper + gaps.length);
    // The long gap cost score; points are uptime × rate × score, the score never below 0.4 here
    // (a missed beat takes a fifth, a slow round trip at most half).
    expect(row.score).toBeGreaterThan(0);
    expect(row.score).toBeLessThanOrEqual(1);
    expect(row.points).toBeGreaterThanOrEqual(row.seconds * 1000 * POINTS_PER_MS * 0.4);
    expect(row.points).toBeLessThanOrEqual(row.seconds * 1000 * POINTS_PER_MS + 1e-6);

    // The ledger agrees with the node, to the micro-point.
    const summary = await api(app, 'GET', '/api/earnings/summary', { token: user.accessToken });
    expect(summary.body.by_source.network).toBe(row.points);
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
  });

  it('pays commission and completes the referral, live on the referrer’s dashboard', async () => {
    const grand = await registerUser(app);
    const referrer = await registerUser(app, { referral_code: grand.referralCode });
    const referee = await registerUser(app, { referral_code: referrer.referralCode });
    const dashboard = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: referrer.accessToken });
    await dashboard.connect({ device_id: 'referrer-browser', role: 'viewer' });
    expect((await dashboard.next('ReferralUpdate')).payload.referrals).toMatchObject({ total: 1, pending: 1, rewarded: 0 });

    // 10 points a second: the referee passes REFERRAL_QUALIFY_POINTS (5) in about half a second.
    const run = await runNode(app, referee, 'referee-node', Array(8).fill(HEARTBEAT_MS) as number[]);

    const rewarded = await waitForFrame(dashboard, 'ReferralUpdate', (frame) => frame.payload.referrals.rewarded === 1);
    expect(rewarded.payload.referrals).toMatchObject({ total: 1, pending: 0, completed: 0, rewarded: 1 });
    expect(rewarded.payload.referrals.points).toBeGreaterThan(50);
    const earnings = await waitForFrame(dashboard, 'EarningsUpdate', (frame) => frame.payload.earnings.by_source.bonus === 50);
    expect(earnings.payload.earnings.by_source.referral).toBeGreaterThan(0);

    run.socket.send({ type: 'Disconnect' });
    await run.socket.closed;
    await waitUntil(async () => !(await nodeRow(app, referee.id, 'referee-node')).connected);
    await waitUntil(async () => {
      const balances = await sql<{ user_id: number; network: number; referral: number }>(
        app.database.url,
        `SELECT user_id::int AS user_id, network::float8 AS network, referral::float8 AS referral FROM user_balances WHERE user_id = ANY($1)`,
        [[grand.id, referrer.id, referee.id]],
      );
      const of = (id: number) => balances.find((row) => row.user_id === id);
      const earned = of(referee.id)?.network ?? 0;
      // Tier 1 gets 20 %, tier 2 10 % of every Network credit, truncated to micro-points per credit.
      return (
        earned > 5 &&
        Math.abs((of(referrer.id)?.referral ?? 0) - earned * 0.2) < 1e-4 &&
        Math.abs((of(grand.id)?.referral ?? 0) - earned * 0.1) < 1e-4
      );
    });
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
    expect(await referralMismatches(app.database.url)).toEqual([]);
    dashboard.close();
  });

  it('pushes NetworkUpdate when a node goes online and offline', async () => {
    const owner = await registerUser(app);
    const viewer = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: owner.accessToken });
    await viewer.connect({ device_id: 'owner-browser', role: 'viewer' });
    expect((await viewer.next('NetworkUpdate')).payload.networks).toEqual([]);
    const run = await runNode(app, owner, 'laptop', []);
    const online = await waitForFrame(viewer, 'NetworkUpdate', (frame) => frame.payload.networks.some((n: { device_id: string; connected: boolean }) => n.device_id === 'laptop' && n.connected));
    expect(online.payload.networks).toHaveLength(1);
    run.socket.close();
    await waitForFrame(viewer, 'NetworkUpdate', (frame) => frame.payload.networks.every((n: { connected: boolean }) => !n.connected));
    viewer.close();
  });

  it('records the client address from X-Forwarded-For only through a trusted proxy', async () => {
    const user = await registerUser(app);
    const run = await runNode(app, user, 'behind-proxy', [HEARTBEAT_MS], { 'x-forwarded-for': '203.0.113.9' });
    expect((await nodeRow(app, user.id, 'behind-proxy')).ip).toBe('203.0.113.9');
    run.socket.close();
  });
});

describe('MAX_EARNING_NODES_PER_IP', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'ip_limit',
      env: {
        HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
        POINTS_PER_HOUR: '36000',
        EARNINGS_FLUSH_MS: '200',
        MAX_EARNING_NODES_PER_IP: '2',
        // Loopback is not a trusted proxy here: X-Forwarded-For must be ignored.
        TRUSTED_PROXIES: '10.9.9.9',
      },
    });
  });
  afterAll(() => app.close());

  it('lets the first nodes of an IP earn, across users; later ones stay connected at score 0', async () => {
    const users = await Promise.all([registerUser(app), registerUser(app), registerUser(app)]);
    const runs: NodeRun[] = [];
    for (const [index, user] of users.entries()) {
      // Spoofed addresses from an untrusted peer change nothing: all three are 127.0.0.1.
      runs.push(await runNode(app, user, `node-${index}`, [], { 'x-forwarded-for': `198.51.100.${index}` }));
    }
    await Promise.all(
      runs.map(async (run) => {
        for (let i = 0; i < 5; i++) {
          await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
          run.socket.send({ type: 'Heartbeat' });
        }
      }),
    );
    await waitUntil(async () => (await nodeRow(app, users[2]!.id, 'node-2')).seconds > 0.5);
    await waitUntil(async () => (await nodeRow(app, users[1]!.id, 'node-1')).points > 0);
    const rows = await Promise.all(users.map((user, index) => nodeRow(app, user.id, `node-${index}`)));
    expect(rows.map((row) => row.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(rows[0]!.points).toBeGreaterThan(0);
    expect(rows[1]!.points).toBeGreaterThan(0);
    expect(rows[2]!.points).toBe(0);
    expect(rows[2]!.score).toBe(0);
    expect(rows[2]!.connected).toBe(true);

    // When an earning node leaves, the next one is promoted.
    runs[0]!.socket.close();
    await waitUntil(async () => !(await nodeRow(app, users[0]!.id, 'node-0')).connected);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
      runs[2]!.socket.send({ type: 'Heartbeat' });
    }
    await waitUntil(async () => (await nodeRow(app, users[2]!.id, 'node-2')).points > 0);
    for (const run of runs.slice(1)) run.socket.close();
  });
});

async function waitForFrame(socket: TestSocket, type: string, matches: (frame: Frame) => boolean): Promise<Frame> {
  for (;;) {
    const frame = await socket.next(type, 10_000);
    if (matches(frame)) return frame;
  }
}
