import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { EarningsOneUserTimeIndex1766400000000 } from '../../migrations/1766400000000-earnings-one-user-time-index';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ensureEarningsPartitions, monthlyPartitions } from '../../src/database/earnings-partitions';
import { runMigrations } from '../../src/database/migrate';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** The indexes of `earnings` (the partitioned parent) with their definitions, by name. */
async function earningsIndexes(dataSource: DataSource): Promise<Record<string, string>> {
  const rows = (await dataSource.query(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'earnings' ORDER BY indexname`,
  )) as Array<{ name: string; definition: string }>;
  return Object.fromEntries(rows.map((row) => [row.name, row.definition.replace(/^.* USING btree /, '')]));
}

/** Every ledger row, in a stable order, as text. */
async function ledgerRows(dataSource: DataSource): Promise<unknown[]> {
  return dataSource.query(
    `SELECT id, user_id, source, "timestamp", amount::text, epoch, ref, note, tableoid::regclass::text AS partition FROM earnings ORDER BY id`,
  );
}

describe('migration EarningsOneUserTimeIndex on a ledger holding the old schema', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let before: unknown[];

  beforeAll(async () => {
    database = await createTestDatabase('earnings_index');
    // The schema as it was before this migration, with rows in it.
    const options = dataSourceOptions({ url: database.url, replicaUrls: [], poolSize: 2, embedded: false });
    const old = await new DataSource({ ...options, migrations: MIGRATIONS.filter((m) => m !== EarningsOneUserTimeIndex1766400000000) }).initialize();
    await runMigrations(old, { lock: true });
    // Monthly partitions as the service keeps them; the 2031 row lands in the default partition.
    await ensureEarningsPartitions(old, monthlyPartitions(new Date('2026-12-15T00:00:00Z'), 1, 0));
    await old.query(`INSERT INTO users (email, username, password_hash, referral_code) VALUES ('a@x.io', 'a', 'h', 'codea1'), ('b@x.io', 'b', 'h', 'codeb1')`);
    await old.query(
      `INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref, note) VALUES
         (1, 'Network', '2026-12-01T10:00:00Z', 3, 1.250000, '', NULL),
         (1, 'Referral', '2026-12-01T10:00:00Z', 3, 0.000001, '', NULL),
         (1, 'Bonus', '2026-12-01T10:00:00Z', 3, 5, 'referral:7', 'bonus'),
         (1, 'Network', '2026-12-01T11:00:00Z', 3, 2.5, '', NULL),
         (2, 'Network', '2026-11-30T23:00:00Z', 2, 123456789.123456, '', NULL),
         (2, 'Network', '2031-05-01T00:00:00Z', 9, 7, '', NULL)`,
    );
    before = await ledgerRows(old);
    await old.destroy();
    dataSource = await new DataSource(options).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('replaces the two user indexes by one unique key led by (user, time), keeping every row', async () => {
    expect(await earningsIndexes(dataSource)).toEqual({
      ix_earnings_user_time: '(user_id, "timestamp", id)',
      pk_earnings: '(id, "timestamp")',
      uq_earnings_bucket: '(user_id, source, "timestamp", ref)',
    });
    expect(await runMigrations(dataSource, { lock: true })).toEqual(['EarningsOneUserTimeIndex1766400000000']);
    expect(await earningsIndexes(dataSource)).toEqual({
      pk_earnings: '(id, "timestamp")',
      uq_earnings_bucket: '(user_id, "timestamp", source, ref)',
    });
    // Partitions (the default one included) carry the new index too.
    const [{ partitions }] = (await dataSource.query(
      `SELECT count(*)::int AS partitions FROM pg_indexes WHERE indexname LIKE 'earnings\\_%' AND indexdef LIKE '%(user_id, "timestamp", source, ref)%'`,
    )) as Array<{ partitions: number }>;
    const [{ tables }] = (await dataSource.query(
      `SELECT count(*)::int AS tables FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'earnings'`,
    )) as Array<{ tables: number }>;
    expect(partitions).toBe(tables);
    expect(await ledgerRows(dataSource)).toEqual(before);
  });

  it('still makes a bucket unique, and the flush upsert adds to the existing row', async () => {
    await expect(
      dataSource.query(`INSERT INTO earnings (user_id, source, "timestamp", epoch, amount) VALUES (1, 'Network', '2026-12-01T10:00:00Z', 3, 1)`),
    ).rejects.toThrow(/duplicate key value violates unique constraint "earnings_y2026m12_user_id_timestamp_source_ref_idx"/);
    await dataSource.query(
      `INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref) VALUES (1, 'Network', '2026-12-01T10:00:00Z', 3, 0.75, '')
       ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = earnings.amount + EXCLUDED.amount`,
    );
    const rows = (await dataSource.query(
      `SELECT amount::text FROM earnings WHERE user_id = 1 AND source = 'Network' AND "timestamp" = '2026-12-01T10:00:00Z'`,
    )) as Array<{ amount: string }>;
    expect(rows).toEqual([{ amount: '2.000000' }]);
  });

  it('serves the history page (newest first, by id within an hour) from the index, cursor included', async () => {
    const page = `SELECT id, source FROM earnings WHERE user_id = 1 AND ("timestamp", id) < ('2026-12-01T11:00:00Z', 0)
                   ORDER BY "timestamp" DESC, id DESC LIMIT 2`;
    await dataSource.transaction(async (manager) => {
      // Tiny tables are read sequentially by choice; forbid that to see whether the index can serve the read.
      await manager.query(`SET LOCAL enable_seqscan = off`);
      const plan = ((await manager.query(`EXPLAIN ${page}`)) as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan Backward using earnings_\w+ on earnings_y2026m12/);
      expect(plan).toMatch(/Index Cond: \(\(user_id = 1\) AND \("timestamp" <= /);
    });
    // Ids 3 (Bonus) and 2 (Referral): the hour before the cursor, newest id first.
    expect(await dataSource.query(page)).toEqual([
      { id: 3, source: 'Bonus' },
      { id: 2, source: 'Referral' },
    ]);
  });

  it('goes back to the two indexes with down, keeping every row', async () => {
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await earningsIndexes(dataSource)).toEqual({
      ix_earnings_user_time: '(user_id, "timestamp", id)',
      pk_earnings: '(id, "timestamp")',
      uq_earnings_bucket: '(user_id, source, "timestamp", ref)',
    });
    expect((await ledgerRows(dataSource)).length).toBe(before.length);
    expect(await runMigrations(dataSource, { lock: true })).toEqual(['EarningsOneUserTimeIndex1766400000000']);
  });
});
