import { recordFigure } from '../support/figures';
import { httpFrom } from '../support/http-from';
import { ledgerMismatches, referralMismatches } from '../support/ledger-invariant';
import { TestNginx } from '../support/nginx';
import { PrivateRedis } from '../support/private-redis';
import { ServiceProcess, spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';
import { Frame, TestSocket } from '../support/ws-client';

/** How often the test's clients beat. */
const HEARTBEAT_MS = 200;
/**
 * The interval the service advises. Its cap on a credited gap (twice this) is far above the
 * clients' period, so a busy machine's scheduling delays never cut a credited interval and the
 * uptime checks below can be exact bounds rather than tolerances.
 */
const ADVISED_HEARTBEAT_MS = 1_000;
const FLUSH_MS = 500;

interface Instance {
  process: ServiceProcess;
  url: string;
  id: string;
}

interface Account {
  id: number;
  token: string;
  referralCode: string;
}

/**
 * Two real instances sharing PostgreSQL and Redis behind a real nginx running docker/nginx.conf.
 * Clients pick their instance through nginx's consistent hash on their address, as in production:
 * the test finds 127.0.0.x source addresses that land on each instance.
 */
describe('a cluster of two instances behind nginx', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let instances: Instance[];
  let nginx: TestNginx;
  /** A source address whose traffic nginx sends to instances[0], and one for instances[1]. */
  const addressOf: string[] = [];
  let admin: Account;
  let referrer: Account;
  let referee: Account;

  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    JWT_SECRET: TEST_JWT_SECRET,
    HEARTBEAT_INTERVAL_MS: String(ADVISED_HEARTBEAT_MS),
    CLIENT_TIMEOUT_MS: '3000',
    POINTS_PER_HOUR: '36000',
    EARNINGS_FLUSH_MS: String(FLUSH_MS),
    EARNINGS_PUSH_MS: '200',
    REFERRAL_RATES: '0.2,0.1',
    REFERRAL_QUALIFY_POINTS: '1000000',
    AUTH_REQUESTS_PER_MINUTE: '10000',
    ADMIN_EMAILS: 'admin@cluster.test',
  });

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase('cluster'), PrivateRedis.start()]);
    // One after the other: the first runs the migrations.
    instances = [];
    for (let i = 0; i < 2; i++) {
      const process = spawnService(env());
      const url = await process.ready;
      const live = await fetch(`${url}/health/live`);
      instances.push({ process, url, id: live.headers.get('x-instance-id')! });
    }
    nginx = await TestNginx.start(instances.map((instance) => new URL(instance.url).host));
    for (let host = 2; host < 60 && addressOf.filter(Boolean).length < 2; host++) {
      const address = `127.0.0.${host}`;
      const live = await httpFrom(address, `${nginx.url}/health/live`);
      const index = instances.findIndex((instance) => instance.id === live.headers['x-instance-id']);
      addressOf[index] ??= address;
    }
    expect(addressOf.filter(Boolean)).toHaveLength(2);

    const register = async (address: string, email: string, referralCode?: string): Promise<Account> => {
      const response = await httpFrom(address, `${nginx.url}/api/auth/register`, {
        method: 'POST',
        body: { email, username: email.split('@')[0]!.replace(/\W/g, '_'), password: 'cluster-pass-1', referral_code: referralCode },
      });
      expect(response.status).toBe(201);
      return { id: response.body.user.id, token: response.body.access_token, referralCode: response.body.user.referral_code };
    };
    admin = await register(addressOf[0]!, 'admin@cluster.test');
    referrer = await register(addressOf[0]!, 'referrer@cluster.test');
    referee = await register(addressOf[1]!, 'referee@cluster.test', referrer.referralCode);
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const instance of instances ?? []) {
      instance.process.kill('SIGTERM');
      await instance.process.exited;
    }
    await redis?.stop();
    await database?.drop();
  });

  const open = (via: number, path: string, token: string) =>
    TestSocket.open(nginx.url.replace('http', 'ws'), path, { token, localAddress: addressOf[via] });

  async function frameWhere(socket: TestSocket, type: string, matches: (frame: Frame) => boolean, timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await socket.next(type, Math.max(1, deadline - Date.now()));
      if (matches(frame)) return frame;
    }
  }

  it('pushes to a dashboard on one instance what a node on the other earns', async () => {
    const dashboard = await open(0, '/ws/dashboard', referrer.token);
    await dashboard.connect({ device_id: 'referrer-browser', role: 'viewer' });
    const node = await open(1, '/ws/dashboard', referee.token);
    await node.connect({ device_id: 'referee-node' });
    const beat = setInterval(() => node.send({ type: 'Heartbeat' }), HEARTBEAT_MS);
    try {
      // The referee's node earns on instance 1; the referrer's commission shows on instance 0.
      const update = await frameWhere(dashboard, 'EarningsUpdate', (frame) => frame.payload.earnings.by_source.referral > 0);
      expect(update.payload.earnings.by_source.network).toBe(0);
      const referrals = await frameWhere(dashboard, 'ReferralUpdate', (frame) => frame.payload.referrals.points > 0);
      expect(referrals.payload.referrals).toMatchObject({ total: 1, pending: 1 });
      // Once the node stops, the dashboard's last update and instance 0's summary (kept current
      // by the credits instance 1's ledger announced) are what PostgreSQL holds, to the micro-point.
      clearInterval(beat);
      node.close();
      const balance = async () =>
        (await sql<{ referral: string }>(database.url, `SELECT referral::text FROM user_balances WHERE user_id = $1`, [referrer.id]))[0]!.referral;
      let settled = '';
      await waitUntil(
        async () => {
          const before = await balance();
          const shown = dashboard.frames.filter((frame) => frame.type === 'EarningsUpdate').at(-1)!.payload.earnings.by_source.referral;
          settled = before;
          return shown === Number(before) && (await balance()) === before;
        },
        { what: 'the last EarningsUpdate to show the balance' },
      );
      const summary = await httpFrom(addressOf[0]!, `${nginx.url}/api/earnings/summary`, { token: referrer.token });
      expect(summary.body.by_source.referral).toBe(Number(settled));
    } finally {
      clearInterval(beat);
      node.close();
      dashboard.close();
    }
  });

  it('replaces a node session with 4001 when the device reconnects through the other instance', async () => {
    const first = await open(1, '/ws/dashboard', referee.token);
    await first.connect({ device_id: 'roaming-node' });
    const second = await open(0, '/ws/dashboard', referee.token);
    await second.connect({ device_id: 'roaming-node' });
    expect((await first.next('Disconnect')).payload.reason).toContain('replaced');
    expect((await first.closed).code).toBe(4001);
    second.send({ type: 'Heartbeat' });
    await second.next('Heartbeat');
    second.close();
  });

  it('closes, on the other instance, the sockets of a user an admin disables', async () => {
    const victim = await httpFrom(addressOf[0]!, `${nginx.url}/api/auth/register`, {
      method: 'POST',
      body: { email: 'victim@cluster.test', username: 'victim', password: 'cluster-pass-1' },
    });
    const socket = await open(0, '/ws/earnings', victim.body.access_token);
    await socket.connect({ device_id: 'victim-tab' });
    const disabled = await httpFrom(addressOf[1]!, `${nginx.url}/api/admin/users/${victim.body.user.id}/disable`, {
      method: 'POST',
      token: admin.token,
    });
    expect(disabled.status).toBe(204);
    expect((await socket.next('Error')).payload.error).toBe('Unauthorized');
    expect((await socket.closed).code).toBe(4401);
  });

  it('drops cached dashboard reads on both instances when a credit, a referral or a node changes', async () => {
    const owner = await httpFrom(addressOf[0]!, `${nginx.url}/api/auth/register`, {
      method: 'POST',
      body: { email: 'cached@cluster.test', username: 'cached', password: 'cluster-pass-1' },
    });
    const token = owner.body.access_token as string;
    const read = async (via: number, path: string) => {
      const response = await httpFrom(addressOf[via]!, `${nginx.url}${path}`, { token });
      expect(response.status).toBe(200);
      return response.body;
    };
    // Both instances cache the empty dashboard.
    for (const via of [0, 1]) {
      expect((await read(via, '/api/earnings/summary')).total).toBe(0);
      expect((await read(via, '/api/referrals/summary')).total).toBe(0);
      expect((await read(via, '/api/networks')).items).toEqual([]);
    }
    // A credit through instance 1; a referral through instance 0; a node on instance 1.
    const bonus = await httpFrom(addressOf[1]!, `${nginx.url}/api/admin/users/${owner.body.user.id}/bonus`, {
      method: 'POST',
      token: admin.token,
      body: { amount: 4, reason: 'cache' },
    });
    expect(bonus.status).toBe(201);
    const referred = await httpFrom(addressOf[0]!, `${nginx.url}/api/auth/register`, {
      method: 'POST',
      body: { email: 'cached-ref@cluster.test', username: 'cached_ref', password: 'cluster-pass-1', referral_code: owner.body.user.referral_code },
    });
    expect(referred.status).toBe(201);
    const node = await open(1, '/ws/dashboard', token);
    await node.connect({ device_id: 'cached-node' });
    // The instance that made the change shows it at once; the other as soon as the event arrives.
    expect((await read(1, '/api/earnings/summary')).total).toBe(4);
    expect((await read(0, '/api/referrals/summary')).total).toBe(1);
    expect((await read(1, '/api/networks')).items).toHaveLength(1);
    await waitUntil(async () => (await read(0, '/api/earnings/summary')).total === 4, { timeoutMs: 1_000, what: 'the credit on instance 0' });
    await waitUntil(async () => (await read(1, '/api/referrals/summary')).total === 1, { timeoutMs: 1_000, what: 'the referral on instance 1' });
    await waitUntil(async () => (await read(0, '/api/networks')).items.length === 1, { timeoutMs: 1_000, what: 'the node on instance 0' });
    node.close();
  });

  it('rejects, within a second on the other instance, a token whose session was logged out', async () => {
    const user = await httpFrom(addressOf[0]!, `${nginx.url}/api/auth/register`, {
      method: 'POST',
      body: { email: 'leaver@cluster.test', username: 'leaver', password: 'cluster-pass-1' },
    });
    const me = () => httpFrom(addressOf[0]!, `${nginx.url}/api/user/me`, { token: user.body.access_token });
    // Instance 0 checks the session over more than a second (its subscription's grace): it then
    // trusts its copy for seconds, and only the broadcast can end that early.
    const started = Date.now();
    expect((await me()).status).toBe(200);
    await waitUntil(async () => (await me()).status === 200 && Date.now() - started > 1_200, { what: 'a trusted status' });
    const out = await httpFrom(addressOf[1]!, `${nginx.url}/api/auth/logout`, { method: 'POST', body: { refresh_token: user.body.refresh_token } });
    expect(out.status).toBe(204);
    await waitUntil(async () => (await me()).status === 401, { timeoutMs: 1_000, what: 'the logout to reach instance 0' });
  });

  it('recovers cross-instance fan-out within seconds of a Redis restart', async () => {
    const dashboard = await open(0, '/ws/earnings', referrer.token);
    await dashboard.connect({ device_id: 'referrer-tab' });
    await dashboard.next('EarningsUpdate');
    await redis.stop();
    await waitUntil(async () => (await fetch(`${instances[0]!.url}/health/ready`)).status === 503, { what: 'readiness to report Redis down' });
    await redis.start();
    await waitUntil(async () => (await fetch(`${instances[0]!.url}/health/ready`)).status === 200, {
      timeoutMs: 15_000,
      what: 'readiness to recover',
    });
    await waitUntil(async () => (await fetch(`${instances[1]!.url}/health/ready`)).status === 200, { timeoutMs: 15_000 });
    // A node on the other instance earns; the referrer's socket (kept open all along) hears of it.
    const node = await open(1, '/ws/dashboard', referee.token);
    await node.connect({ device_id: 'after-redis-restart' });
    const before = dashboard.frames.length;
    const beat = setInterval(() => node.send({ type: 'Heartbeat' }), HEARTBEAT_MS);
    try {
      await waitUntil(() => dashboard.frames.slice(before).some((frame) => frame.type === 'EarningsUpdate'), {
        timeoutMs: 15_000,
        what: 'an EarningsUpdate across instances after the restart',
      });
    } finally {
      clearInterval(beat);
      node.close();
      dashboard.close();
    }
  });

  it('after SIGKILL of an instance, its clients come back through nginx with a full snapshot, keeping all it committed', async () => {
    /**
     * One node session, timed from the client's side: `connectSent` before Connect went out,
     * `connected` after Connected arrived, and the send time of each Heartbeat and the arrival
     * time of each reply. The server credits a session with (at most) the time between its Connect
     * and its last heartbeat, each read by the server somewhere between these client times.
     */
    interface Session {
      connectSent: number;
      connected: number;
      sent: number[];
      acked: number[];
    }
    const sessions: Session[] = [];
    const snapshots: string[][] = [];
    let socket: TestSocket | null = null;
    let stopped = false;
    let allowReconnect!: () => void;
    const reconnectAllowed = new Promise<void>((resolve) => (allowReconnect = resolve));
    const runNode = async () => {
      while (!stopped) {
        if (sessions.length === 1) await reconnectAllowed;
        try {
          socket = await open(0, '/ws/dashboard', referee.token);
          const current = socket;
          const session: Session = { connectSent: Date.now(), connected: 0, sent: [], acked: [] };
          current.ws.on('message', (data: Buffer) => {
            if ((JSON.parse(data.toString('utf8')) as Frame).type === 'Heartbeat') session.acked.push(Date.now());
          });
          const connected = await current.connect({ device_id: 'survivor-node', updates: ['NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate'] });
          session.connected = Date.now();
          sessions.push(session);
          snapshots.push([connected.type, (await current.next()).type, (await current.next()).type, (await current.next()).type]);
          const beat = setInterval(() => {
            if (current.ws.readyState === current.ws.OPEN) {
              session.sent.push(Date.now());
              current.send({ type: 'Heartbeat' });
            }
          }, HEARTBEAT_MS);
          await current.closed;
          clearInterval(beat);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100)); // reconnect backoff
        }
      }
    };
    const running = runNode();
    // Let the killed instance commit a few flushes of this session first.
    await waitUntil(async () => {
      const [row] = await sql<{ seconds: number }>(database.url, `SELECT connection_time::float8 AS seconds FROM network_connections WHERE device_id = 'survivor-node'`);
      return (row?.seconds ?? 0) > 3 * (FLUSH_MS / 1000);
    }, { timeoutMs: 30_000, what: 'the first instance to commit some uptime' });
    // Then a few more beats, so the kill falls anywhere within a flush interval, not just after one.
    const ackedAtCommit = sessions[0]!.acked.length;
    await waitUntil(() => sessions[0]!.acked.length >= ackedAtCommit + 1 + (ackedAtCommit % 3), { what: 'a few more heartbeats' });

    instances[0]!.process.kill('SIGKILL');
    await instances[0]!.process.exited;
    // What the killed instance committed, as it recorded it: the uptime and the server time of the
    // last heartbeat its last committed flush covered. Nothing else writes this node until the
    // client reconnects, which waits for this read.
    const [committed] = await sql<{ seconds: number; lastSeen: Date; points: number }>(
      database.url,
      `SELECT connection_time::float8 AS seconds, last_seen_at AS "lastSeen", points_earned::float8 AS points
         FROM network_connections WHERE device_id = 'survivor-node'`,
    );
    allowReconnect();
    // The client reconnects through nginx, which sends it to the survivor.
    await waitUntil(() => sessions.length === 2 && sessions[1]!.sent.length > 10, { timeoutMs: 30_000, what: 'the node to resume' });
    stopped = true;
    const last = socket as TestSocket | null;
    last?.send({ type: 'Disconnect' });
    await last?.closed;
    await running;
    expect(snapshots[1]).toEqual(['Connected', 'NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate']);

    const [first, second] = sessions as [Session, Session];
    const lastSent = second.sent.at(-1)!;
    // The survivor writes the second session in full once the node has disconnected (a Disconnect
    // loses nothing): at least the time between its Connected and its last heartbeat's send.
    await waitUntil(async () => {
      const [row] = await sql<{ seconds: number; connected: boolean }>(
        database.url,
        `SELECT connection_time::float8 AS seconds, connected FROM network_connections WHERE device_id = 'survivor-node'`,
      );
      return row!.connected === false && row!.seconds - committed!.seconds >= (lastSent - second.connected) / 1000 - 0.001 * second.sent.length;
    }, { timeoutMs: 30_000, what: 'the survivor to write the second session' });
    const [row] = await sql<{ seconds: number; points: number }>(
      database.url,
      `SELECT connection_time::float8 AS seconds, points_earned::float8 AS points FROM network_connections WHERE device_id = 'survivor-node'`,
    );

    // Loss bound, against what the killed instance itself recorded: its committed uptime covers the
    // session from Connected up to the last heartbeat it committed (less ms rounding per beat), so a
    // late flush on a busy machine cannot move the bound. What was lost is what it had not flushed.
    const rounding = (session: Session) => 0.001 * session.sent.length;
    expect(committed!.seconds).toBeGreaterThanOrEqual((new Date(committed!.lastSeen).getTime() - first.connected) / 1000 - rounding(first));
    // No double credit, exactly: the server never credits a session more than the time between the
    // client sending its Connect and receiving its last heartbeat reply.
    const span = (session: Session) => (session.acked.at(-1)! - session.connectSent) / 1000;
    expect(committed!.seconds).toBeLessThanOrEqual(span(first));
    expect(row!.seconds - committed!.seconds).toBeLessThanOrEqual(span(second));
    expect(row!.points).toBeGreaterThan(committed!.points);
    const beforeKill = first.acked.filter((at) => at <= new Date(committed!.lastSeen).getTime()).length;
    recordFigure(
      'cluster-sigkill',
      `uptime lost when an instance was killed (flush interval 0.5 s; ${first.acked.length - beforeKill} acknowledged heartbeats after its last committed flush)`,
      Math.max(0, span(first) - committed!.seconds),
      's',
    );

    expect(await ledgerMismatches(database.url)).toEqual([]);
    expect(await referralMismatches(database.url)).toEqual([]);
  });
});
