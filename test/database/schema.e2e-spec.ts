import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ensureEarningsPartitions, monthlyPartitions } from '../../src/database/earnings-partitions';
import { runMigrations } from '../../src/database/migrate';
import { pendingSchemaChanges } from '../../src/database/schema-drift';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('database schema', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('schema');
    dataSource = await new DataSource(
      dataSourceOptions({ url: database.url, replicaUrls: [], poolSize: 3, embedded: false }),
    ).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('migrations create exactly what the entities describe (no drift)', async () => {
    const ran = await runMigrations(dataSource, { lock: true });
    expect(ran.length).toBeGreaterThan(0);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    // A second run finds nothing to do.
    expect(await runMigrations(dataSource, { lock: true })).toEqual([]);
  });

  it('range-partitions earnings by time with a default partition', async () => {
    const [parent] = (await dataSource.query(
      `SELECT pt.partstrat AS strategy FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid
        WHERE c.relname = 'earnings'`,
    )) as Array<{ strategy: string }>;
    expect(parent).toEqual({ strategy: 'r' });
    const [defaultPartition] = (await dataSource.query(
      `SELECT c.relname AS name FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partdefid`,
    )) as Array<{ name: string }>;
    expect(defaultPartition).toEqual({ name: 'earnings_default' });
  });

  it('stores points exactly as NUMERIC with 6 decimals', async () => {
    const columns = (await dataSource.query(
      `SELECT table_name, column_name, data_type, numeric_scale FROM information_schema.columns
        WHERE column_name IN ('amount', 'points', 'points_earned', 'network', 'referral', 'bonus')
          AND table_schema = 'public' AND table_name NOT LIKE 'earnings\\_%'
        ORDER BY table_name, column_name`,
    )) as Array<{ data_type: string; numeric_scale: number }>;
    expect(columns.length).toBe(6);
    for (const column of columns) expect(column).toMatchObject({ data_type: 'numeric', numeric_scale: 6 });
  });

  it('creates monthly partitions and moves rows that landed in the default partition', async () => {
    await dataSource.query(`INSERT INTO users (email, username, password_hash, referral_code) VALUES ('p@x.io', 'p', 'h', 'code01')`);
    // A row for a month that has no partition yet goes to the default partition.
    await dataSource.query(
      `INSERT INTO earnings (user_id, source, amount, timestamp, epoch) VALUES (1, 'Network', 1.5, '2031-03-10T10:00:00Z', 0)`,
    );
    const created = await ensureEarningsPartitions(dataSource, monthlyPartitions(new Date('2031-03-15T00:00:00Z'), 0, 1));
    expect(created).toEqual(['earnings_y2031m03', 'earnings_y2031m04']);

    const rows = (await dataSource.query(
      `SELECT tableoid::regclass::text AS partition, amount FROM earnings WHERE user_id = 1`,
    )) as Array<{ partition: string; amount: string }>;
    expect(rows).toEqual([{ partition: 'earnings_y2031m03', amount: '1.500000' }]);
    // Idempotent.
    expect(await ensureEarningsPartitions(dataSource, monthlyPartitions(new Date('2031-03-15T00:00:00Z'), 0, 1))).toEqual([]);
  });

  it('leaves room for HOT updates on the pages of the rows every flush rewrites', async () => {
    const rows = (await dataSource.query(
      `SELECT c.relname AS name, c.reloptions AS options FROM pg_class c
        WHERE c.relname IN ('user_balances', 'network_connections', 'referrals', 'earnings_default', 'earnings_y2031m03', 'earnings_y2031m04', 'users')
        ORDER BY c.relname`,
    )) as Array<{ name: string; options: string[] | null }>;
    expect(rows).toEqual([
      { name: 'earnings_default', options: ['fillfactor=70'] },
      // Created by ensureEarningsPartitions (previous test) after the migration: with rows moved, and empty.
      { name: 'earnings_y2031m03', options: ['fillfactor=70'] },
      { name: 'earnings_y2031m04', options: ['fillfactor=70'] },
      // One row per node, referral or user, every one rewritten by each flush: room for a whole next version.
      { name: 'network_connections', options: ['fillfactor=50'] },
      { name: 'referrals', options: ['fillfactor=50'] },
      { name: 'user_balances', options: ['fillfactor=50'] },
      // Not rewritten by flushes: packed full.
      { name: 'users', options: null },
    ]);
  });

  it('names partitions by UTC month across year boundaries', () => {
    expect(monthlyPartitions(new Date('2026-12-31T23:59:59Z'), 1, 1).map((range) => range.name)).toEqual([
      'earnings_y2026m11',
      'earnings_y2026m12',
      'earnings_y2027m01',
    ]);
  });
});
