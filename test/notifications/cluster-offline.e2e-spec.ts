import { api, registerUser, RegisteredUser } from '../support/api-client';
import { NodeRunner } from '../support/node-runner';
import { PrivateRedis } from '../support/private-redis';
import { ServiceProcess, spawnService } from '../support/service-process';
import { sql } from '../support/sql';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

const ALERT_MS = 2_000;

/**
 * Two real instances sharing PostgreSQL and Redis. The instance holding a node is SIGKILLed: the
 * survivor finds the dead instance's sessions (presence upkeep), and exactly one node.offline and,
 * once the node is back, one node.online reach the feed and a verifying webhook receiver.
 */
describe('offline alerts when the instance holding the node dies', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let receiver: WebhookReceiver;
  const processes: ServiceProcess[] = [];

  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    JWT_SECRET: TEST_JWT_SECRET,
    HEARTBEAT_INTERVAL_MS: '200',
    CLIENT_TIMEOUT_MS: '3000',
    EARNINGS_FLUSH_MS: '300',
    NODE_OFFLINE_ALERT_MS: String(ALERT_MS),
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    AUTH_REQUESTS_PER_MINUTE: '10000',
  });

  async function start(): Promise<string> {
    const service = spawnService(env());
    processes.push(service);
    return service.ready;
  }

  beforeAll(async () => {
    [database, redis, receiver] = await Promise.all([createTestDatabase('cluster_alerts'), PrivateRedis.start(), WebhookReceiver.start()]);
  });
  afterAll(async () => {
    for (const service of processes) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.kill('SIGTERM');
        await service.exited;
      }
    }
    await receiver?.close();
    await redis?.stop();
    await database?.drop();
  });

  it('raises one node.offline after a SIGKILL and one node.online when the node is back elsewhere', async () => {
    // One after the other: the first runs the migrations.
    const doomedUrl = await start();
    const survivorUrl = await start();
    const doomed = processes[0]!;
    const user: RegisteredUser = await registerUser({ url: survivorUrl });
    const put = await api({ url: survivorUrl }, 'PUT', '/api/notifications/webhook', { token: user.accessToken, body: { url: receiver.url } });
    expect(put.status).toBe(200);
    receiver.secret = put.body.secret;

    let target = doomedUrl;
    const node = new NodeRunner(() => target.replace('http', 'ws'), user.accessToken, 'survivor-test', 200).start();
    await waitUntil(() => node.answeredHeartbeats >= 10, { timeoutMs: 20_000, what: 'heartbeats on the doomed instance' });
    // Stop the node from reconnecting anywhere until the outage has been alerted.
    target = 'http://127.0.0.1:9';
    doomed.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');

    // The survivor reaps the dead instance's sessions (after it stops refreshing) and alerts.
    await receiver.waitFor(() => receiver.ofType('node.offline').length === 1, 60_000, 'node.offline from the survivor');
    target = survivorUrl;
    await receiver.waitFor(() => receiver.ofType('node.online').length === 1, 30_000, 'node.online');
    await node.stop();

    const feed = await api({ url: survivorUrl }, 'GET', '/api/notifications', { token: user.accessToken });
    expect(feed.body.items.map((item: any) => item.type)).toEqual(['node.online', 'node.offline']);
    const [offline, online] = [receiver.ofType('node.offline')[0]!, receiver.ofType('node.online')[0]!];
    expect(offline.payload!.data).toMatchObject({ device_id: 'survivor-test' });
    expect(online.payload!.data.offline_seconds).toBeGreaterThanOrEqual(ALERT_MS / 1000);
    expect(receiver.received.map((hook) => hook.payload?.type)).toEqual(['node.offline', 'node.online']);
    // The alert is closed: the next outage of this node can be alerted again.
    const [row] = await sql<{ open: boolean }>(database.url, `SELECT offline_alert_open AS open FROM network_connections WHERE device_id = 'survivor-test'`);
    expect(row).toEqual({ open: false });
  }, 120_000);
});
