import { Client } from 'pg';
import { NetworkRepository } from '../../src/modules/network/network.repository';
import { registerUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Node registration (a Connect) locks a user's node rows in id order, as the ledger's node update
 * and the disconnect marking do. In key order (user, device) it deadlocked with them in reconnect
 * storms whenever a user's devices sorted otherwise than their ids.
 */
describe('node registration lock order', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ label: 'node_locks' });
  });
  afterAll(() => app.close());

  /** Resolves once a backend of this database waits for a row lock. */
  async function someoneWaitsForALock(): Promise<void> {
    for (;;) {
      const [row] = await sql<{ waiting: number }>(
        app.database.url,
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (row!.waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('waits for the lowest id first, holding nothing, so a writer locking in id order is not deadlocked', async () => {
    const user = await registerUser(app);
    const network = app.server.app.get(NetworkRepository);
    // 'zeta' gets the lower id, 'alpha' the higher: key order and id order disagree.
    const low = (await network.connect(user.id, 'zeta', 'Z', null, 's-1')).id;
    const high = (await network.connect(user.id, 'alpha', 'A', null, 's-2')).id;
    expect(low).toBeLessThan(high);

    const writer = new Client({ connectionString: app.database.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('UPDATE network_connections SET updated_at = now() WHERE id = $1', [low]);
      const registering = network.connectMany([
        { userId: user.id, deviceId: 'alpha', networkName: 'A', ip: null, sessionId: 's-3' },
        { userId: user.id, deviceId: 'zeta', networkName: 'Z', ip: null, sessionId: 's-4' },
      ]);
      registering.catch(() => undefined);
      await someoneWaitsForALock();
      // In key order the registration would hold 'alpha' now, and this would be a deadlock.
      await writer.query('UPDATE network_connections SET updated_at = now() WHERE id = $1', [high]);
      await writer.query('COMMIT');
      const rows = await registering;
      expect([rows.get(`${user.id}:alpha`)?.sessionId, rows.get(`${user.id}:zeta`)?.sessionId]).toEqual(['s-3', 's-4']);
    } finally {
      await writer.end();
    }
  });
});
