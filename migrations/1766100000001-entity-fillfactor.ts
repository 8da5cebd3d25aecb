import { MigrationInterface, QueryRunner } from 'typeorm';

/** How full (percent) each page of the one-row-per-entity tables a flush rewrites is packed. */
const ENTITY_FILLFACTOR = 50;
/** What LedgerFillfactor set before (and `down` returns to). */
const PREVIOUS_FILLFACTOR = 70;
const TABLES = ['user_balances', 'network_connections', 'referrals'];

/**
 * Every accrual flush rewrites every active user's balance, node and referral row once. An update
 * is HOT (no index entries written) only if the new version fits on the old one's page: at 70 %
 * only about a third of a page's rows find room, and the rest move to other pages with index
 * entries. At 50 % every row's next version fits, and the previous flush's versions are pruned
 * before the next one (BENCHMARKS.md, "Accrual flush, third round": 62–69 % → 95–98 % HOT).
 * These tables hold one row per user, node or referral, so the room costs a bounded amount of
 * space; the `earnings` partitions, which keep every hour's rows, stay at 70 %. Existing pages
 * keep their layout until rewritten (VACUUM FULL, or as rows move).
 */
export class EntityFillfactor1766100000001 implements MigrationInterface {
  name = 'EntityFillfactor1766100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.query(`ALTER TABLE "${table}" SET (fillfactor = ${ENTITY_FILLFACTOR})`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.query(`ALTER TABLE "${table}" SET (fillfactor = ${PREVIOUS_FILLFACTOR})`);
  }
}
