import { Client } from 'pg';
import { microPointsOf } from '../../src/common/points';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { api, registerUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TEST_POSTGRES_URL, TestDatabase } from '../support/test-database';

/**
 * DATABASE_REPLICA_URLS: lag-tolerant reads go to the replica, everything else to the primary.
 * The "replica" here is a frozen copy of the primary's database, i.e. a replica lagging for ever:
 * what a route returns shows which one served it.
 */
describe('read replicas', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    primary = await createTestDatabase('primary');
    // Migrate the primary by starting the app once, then copy it as the replica.
    const bootstrap = await startTestApp({ label: 'replicas', database: primary });
    await bootstrap.close();
    replica = { ...primary, name: `${primary.name}_replica`, url: primary.url.replace(primary.name, `${primary.name}_replica`) };
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${replica.name}" TEMPLATE "${primary.name}"`);
    await admin.end();
    replica = { ...replica, drop: () => dropDatabase(replica.name) };
    app = await startTestApp({ label: 'replicas', database: primary, env: { DATABASE_REPLICA_URLS: replica.url } });
  });
  afterAll(async () => {
    await app?.close();
    await replica?.drop();
    await primary?.drop();
  });

  it('serves history and time series from the replica, and read-your-writes from the primary', async () => {
    const user = await registerUser(app);
    await app.server.app.get(LedgerService).apply({
      id: `replica-${user.id}`,
      network: [{ userId: user.id, amount: microPointsOf(4), at: new Date() }],
      nodes: [],
      bonuses: [],
    });
    // The user exists only on the primary: login, /me and the summary work.
    expect((await api(app, 'GET', '/api/user/me', { token: user.accessToken })).status).toBe(200);
    expect((await api(app, 'GET', '/api/earnings/summary', { token: user.accessToken })).body.total).toBe(4);
    // The lagging replica has not seen the credit yet.
    expect((await api(app, 'GET', '/api/earnings', { token: user.accessToken })).body.items).toEqual([]);
    const series = await api(app, 'GET', '/api/earnings/timeseries', { token: user.accessToken });
    expect(series.body.points.every((point: { total: number }) => point.total === 0)).toBe(true);
  });
});

async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
