import { DataSource } from 'typeorm';

/**
 * How full (percent) a new partition's pages are packed: the current hour's bucket rows are
 * rewritten by every flush, and room on the page lets those updates be HOT (as migration
 * LedgerFillfactor1766000000000 set for the existing partitions).
 */
const LEDGER_FILLFACTOR = 70;

export interface MonthRange {
  readonly name: string;
  readonly from: Date;
  readonly to: Date;
}

/** The monthly partitions that should exist around `now`: `monthsBehind` before to `monthsAhead` after. */
export function monthlyPartitions(now: Date, monthsBehind: number, monthsAhead: number): MonthRange[] {
  const ranges: MonthRange[] = [];
  for (let offset = -monthsBehind; offset <= monthsAhead; offset++) {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    const month = String(from.getUTCMonth() + 1).padStart(2, '0');
    ranges.push({ name: `earnings_y${from.getUTCFullYear()}m${month}`, from, to });
  }
  return ranges;
}

/**
 * Creates missing monthly partitions of `earnings`. Rows that already landed in the default
 * partition for that month (say, after a long outage of this job) are moved into the new
 * partition in the same transaction, since PostgreSQL refuses to create a partition whose range
 * the default partition already holds rows for. Returns the partitions created.
 */
export async function ensureEarningsPartitions(dataSource: DataSource, ranges: readonly MonthRange[]): Promise<string[]> {
  const existing = new Set(
    (
      (await dataSource.query(
        `SELECT c.relname AS name FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent
          WHERE p.relname = 'earnings'`,
      )) as Array<{ name: string }>
    ).map((row) => row.name),
  );
  const created: string[] = [];
  for (const range of ranges) {
    if (existing.has(range.name)) continue;
    await dataSource.transaction(async (manager) => {
      const from = range.from.toISOString();
      const to = range.to.toISOString();
      await manager.query(`LOCK TABLE "earnings_default" IN ACCESS EXCLUSIVE MODE`);
      const stray = (await manager.query(
        `SELECT count(*)::int AS n FROM "earnings_default" WHERE "timestamp" >= $1 AND "timestamp" < $2`,
        [from, to],
      )) as Array<{ n: number }>;
      if (stray[0]!.n === 0) {
        await manager.query(
          `CREATE TABLE IF NOT EXISTS "${range.name}" PARTITION OF "earnings" FOR VALUES FROM ('${from}') TO ('${to}') WITH (fillfactor = ${LEDGER_FILLFACTOR})`,
        );
        return;
      }
      await manager.query(
        `CREATE TABLE "${range.name}" (LIKE "earnings" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) WITH (fillfactor = ${LEDGER_FILLFACTOR})`,
      );
      await manager.query(
        `WITH moved AS (DELETE FROM "earnings_default" WHERE "timestamp" >= $1 AND "timestamp" < $2 RETURNING *)
         INSERT INTO "${range.name}" SELECT * FROM moved`,
        [from, to],
      );
      await manager.query(
        `ALTER TABLE "earnings" ATTACH PARTITION "${range.name}" FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
    });
    created.push(range.name);
  }
  return created;
}
