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

const HEARTBEAT_MS = 200;
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
    HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
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

  it('after SIGKILL of an instance, its clients come back through nginx with a full snapshot, losing at most a flush', async () => {
    // The node and a dashboard on instance 0, the one about to die.
    const sessions: number[][] = [];
    let socket: TestSocket | null = null;
    let stopped = false;
    const snapshots: string[][] = [];
    const runNode = async () => {
      while (!stopped) {
        try {
          socket = await open(0, '/ws/dashboard', referee.token);
          const connected = await socket.connect({ device_id: 'survivor-node' });
          const beats = [Date.now()];
          sessions.push(beats);
          snapshots.push([connected.type, (await socket.next()).type, (await socket.next()).type, (await socket.next()).type]);
          const current = socket;
          const beat = setInterval(() => {
            if (current.ws.readyState === current.ws.OPEN) {
              current.send({ type: 'Heartbeat' });
              beats.push(Date.now());
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
    await waitUntil(() => sessions.length === 1 && sessions[0]!.length > 10);
    const [{ points: before }] = await sql<{ points: number }>(
      database.url,
      `SELECT COALESCE(sum(points_earned), 0)::float8 AS points FROM network_connections WHERE device_id = 'survivor-node'`,
    );

    instances[0]!.process.kill('SIGKILL');
    await instances[0]!.process.exited;
    // The client reconnects through nginx, which sends it to the survivor.
    await waitUntil(() => sessions.length === 2 && sessions[1]!.length > 10, { timeoutMs: 20_000, what: 'the node to resume' });
    stopped = true;
    (socket as TestSocket | null)?.send({ type: 'Disconnect' });
    await running;
    expect(snapshots[1]).toEqual(['Connected', 'NetworkUpdate', 'EarningsUpdate', 'ReferralUpdate']);

    // Written by the survivor: the second session fully, the first up to the last flush before the kill.
    const credited = (beats: number[]) =>
      beats.slice(1).reduce((total, at, i) => total + Math.min(at - beats[i]!, 2 * HEARTBEAT_MS), 0) / 1000;
    const clientUptime = credited(sessions[0]!) + credited(sessions[1]!);
    await waitUntil(async () => {
      const [row] = await sql<{ seconds: number; connected: boolean }>(
        database.url,
        `SELECT connection_time::float8 AS seconds, connected FROM network_connections WHERE device_id = 'survivor-node'`,
      );
      return row!.connected === false && row!.seconds > credited(sessions[1]!);
    });
    const [row] = await sql<{ seconds: number; points: number }>(
      database.url,
      `SELECT connection_time::float8 AS seconds, points_earned::float8 AS points FROM network_connections WHERE device_id = 'survivor-node'`,
    );
    recordFigure('cluster-sigkill', 'uptime lost when an instance was killed (flush interval 0.5 s)', clientUptime - row!.seconds, 's');
    // Never more than the client's own count (no double credit), never less than it minus one
    // flush interval of the killed instance (plus scheduling jitter of a few beats).
    expect(row!.seconds).toBeLessThanOrEqual(clientUptime + 0.2);
    expect(row!.seconds).toBeGreaterThanOrEqual(clientUptime - FLUSH_MS / 1000 - 0.4);
    expect(row!.points).toBeGreaterThan(before);

    expect(await ledgerMismatches(database.url)).toEqual([]);
    expect(await referralMismatches(database.url)).toEqual([]);
  });
});
