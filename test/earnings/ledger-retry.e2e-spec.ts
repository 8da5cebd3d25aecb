import { Client } from 'pg';
import { microPointsOf } from '../../src/common/points';
import { LedgerBatch } from '../../src/modules/earnings/ledger-batch';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { registerUser } from '../support/api-client';
import { ledgerMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

/**
 * A ledger transaction that PostgreSQL aborts as a deadlock victim is retried, and counted in
 * `dashboard_ledger_retries_total{step="batch"}` (exported at 0 before any retry). The deadlock is
 * made with two other sessions, so that the ledger's is always the one that closes the cycle and
 * is aborted: S1 holds the user's earnings row, S2 the user's balance and waits (with a long
 * deadlock_timeout, so it never gives up first) for the ledger's claim of the batch id; when S1
 * lets go, the ledger reaches the balance S2 holds.
 */
describe('a ledger batch that meets a deadlock', () => {
  let app: TestApp;
  let ledger: LedgerService;

  beforeAll(async () => {
    app = await startTestApp({ label: 'ledger-retry' });
    ledger = app.server.app.get(LedgerService);
  });
  afterAll(() => app.close());

  const batch = (id: string, userId: number, amount: bigint, at: Date): LedgerBatch => ({
    id,
    network: [{ userId, amount, at }],
    nodes: [],
    bonuses: [],
  });

  async function retries(): Promise<number | undefined> {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    const series = 'dashboard_ledger_retries_total{step="batch"}';
    const line = (await response.text()).split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  async function session(): Promise<Client & { pid: number }> {
    const client = new Client({ connectionString: app.database.url });
    await client.connect();
    const [row] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    return Object.assign(client, { pid: row!.pid });
  }

  /** Whether some backend of the test database is waiting for a lock `holder` has. */
  async function blockedBy(holder: number): Promise<boolean> {
    const rows = await sql(app.database.url, `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))`, [holder]);
    return rows.length > 0;
  }

  /** Whether backend `pid` is waiting for a lock. */
  async function waiting(pid: number): Promise<boolean> {
    const [row] = await sql<{ waiting: boolean }>(app.database.url, `SELECT cardinality(pg_blocking_pids($1)) > 0 AS waiting`, [pid]);
    return row!.waiting;
  }

  it('is retried once, counted, and applied exactly once', async () => {
    expect(await retries()).toBe(0);
    const user = await registerUser(app);
    const at = new Date();
    // The user's earnings row (Network, this hour) and balance exist: the batch updates them.
    expect((await ledger.apply(batch(`prime-${process.pid}-${Date.now()}`, user.id, microPointsOf(1), at))).applied).toBe(true);

    const s1 = await session();
    const s2 = await session();
    try {
      await s1.query('BEGIN');
      await s1.query(`SELECT 1 FROM earnings WHERE user_id = $1 FOR UPDATE`, [user.id]);
      await s2.query('BEGIN');
      await s2.query(`SET LOCAL deadlock_timeout = '10min'`);
      await s2.query(`SELECT 1 FROM user_balances WHERE user_id = $1 FOR UPDATE`, [user.id]);

      const id = `deadlock-${process.pid}-${Date.now()}`;
      const applying = ledger.apply(batch(id, user.id, microPointsOf(2), at));
      // The ledger claimed the batch id and waits for S1's earnings row.
      await waitUntil(() => blockedBy(s1.pid), { what: 'the ledger waiting for the earnings row' });
      // S2 waits for the ledger's uncommitted claim (until the ledger's transaction ends).
      const claiming = s2.query(`INSERT INTO ledger_flushes (id, credit_count) VALUES ($1, 1)`, [id]);
      await waitUntil(() => waiting(s2.pid), { what: 'S2 waiting for the ledger' });
      await s1.query('ROLLBACK');
      // The ledger reaches the balance S2 holds: a cycle, and the ledger's transaction is aborted;
      // S2's claim then goes through, and the retry waits for it until S2 rolls back.
      await claiming;
      await s2.query('ROLLBACK');
      expect((await applying).applied).toBe(true);
    } finally {
      await s1.end();
      await s2.end();
    }

    expect(await retries()).toBe(1);
    expect(app.logs.lines.filter((line) => String(line.msg).includes('met a concurrent batch'))).toHaveLength(1);
    const [balance] = await sql<{ network: string }>(app.database.url, `SELECT network::text FROM user_balances WHERE user_id = $1`, [user.id]);
    expect(balance!.network).toBe('3.000000');
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
  });
});
