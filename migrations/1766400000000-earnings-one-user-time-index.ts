import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One index for a user's ledger rows by time instead of two. `ix_earnings_user_time` (user, time,
 * id) served the history, summaries and timeseries reads; `uq_earnings_bucket` (user, source, time,
 * ref) the flush's upsert. With the unique key's columns in the order (user, time, source, ref) it
 * serves both: the reads range over (user, time) and sort the few rows of one hour by id
 * (incremental sort); the upsert's conflict target is the same set of columns. Every new bucket
 * row (1.33 a user an hour) and every update that does not fit on its page (not HOT) then writes
 * two index entries instead of three, and a ledger row takes ~24 % less space with its indexes
 * (BENCHMARKS.md, "Accrual flush, fifth round").
 *
 * The new index is built on every partition before the old ones go, under a SHARE lock: writes to
 * `earnings` (flushes) wait until the migration commits; flushes keep their entries meanwhile. On a
 * ledger of many millions of rows, run it in a quiet hour.
 */
export class EarningsOneUserTimeIndex1766400000000 implements MigrationInterface {
  name = 'EarningsOneUserTimeIndex1766400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_earnings_user_time" ON "earnings" ("user_id", "timestamp", "source", "ref")`);
    await queryRunner.query(`DROP INDEX "uq_earnings_bucket"`);
    await queryRunner.query(`DROP INDEX "ix_earnings_user_time"`);
    await queryRunner.query(`ALTER INDEX "uq_earnings_user_time" RENAME TO "uq_earnings_bucket"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_earnings_user_time" ON "earnings" ("user_id", "timestamp", "id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_earnings_source_time" ON "earnings" ("user_id", "source", "timestamp", "ref")`);
    await queryRunner.query(`DROP INDEX "uq_earnings_bucket"`);
    await queryRunner.query(`ALTER INDEX "uq_earnings_source_time" RENAME TO "uq_earnings_bucket"`);
  }
}
