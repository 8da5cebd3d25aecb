import { MigrationInterface, QueryRunner } from 'typeorm';

/** How full (percent) each page of the tables a flush rewrites is packed; the rest is room for updates. */
const LEDGER_FILLFACTOR = 70;

/**
 * Room on each page for HOT updates of the rows every accrual flush rewrites: balances, node
 * progress, referral points and the current hour's bucket rows. Their changed columns are not
 * indexed, so an update that finds space on its page writes no index entries (BENCHMARKS.md: with
 * full pages almost none were HOT and the flush took about twice as long). Existing pages keep their
 * layout until rewritten; new pages follow the setting. `earnings` is partitioned, so the setting
 * goes on each partition (new monthly partitions are created with it).
 */
export class LedgerFillfactor1766000000000 implements MigrationInterface {
  name = 'LedgerFillfactor1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of await tablesOf(queryRunner)) {
      await queryRunner.query(`ALTER TABLE "${table}" SET (fillfactor = ${LEDGER_FILLFACTOR})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of await tablesOf(queryRunner)) {
      await queryRunner.query(`ALTER TABLE "${table}" RESET (fillfactor)`);
    }
  }
}

async function tablesOf(queryRunner: QueryRunner): Promise<string[]> {
  const partitions = (await queryRunner.query(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'earnings' ORDER BY c.relname`,
  )) as Array<{ name: string }>;
  return ['user_balances', 'network_connections', 'referrals', ...partitions.map((row) => row.name)];
}
