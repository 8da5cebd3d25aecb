import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Commission staging (issue 13): a flush appends the commission it pays here instead of updating
 * its ancestors' rows, which every instance's flush shared and queued on; one instance at a time
 * folds the staged rows into the Referral bucket rows, referral points and balances. Amounts are
 * integer micro-points. Append-only and emptied by every fold, so it stays small. No foreign keys:
 * checking each staged row against `users` and `referrals` (and locking them KEY SHARE) made the
 * flush's INSERT ~6× slower (20,000 rows: ~350 ms against ~60 ms). The rows come from referral
 * rows the flush has just read, the service deletes no user, and the fold skips the rows of a
 * user deleted meanwhile (as a cascade would have).
 */
export class CommissionStaging1766402000000 implements MigrationInterface {
  name = 'CommissionStaging1766402000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "ledger_commission_staging" (
         "id" bigserial NOT NULL,
         "referral_id" bigint NOT NULL,
         "beneficiary_id" bigint NOT NULL,
         "bucket" timestamptz NOT NULL,
         "epoch" integer NOT NULL,
         "amount_micro" bigint NOT NULL,
         "created_at" timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT "pk_ledger_commission_staging" PRIMARY KEY ("id"),
         CONSTRAINT "ck_ledger_commission_staging_amount" CHECK ("amount_micro" > 0)
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Staged commission is owed: dropping it would lose points. Fold (run the service) before reverting.
    await queryRunner.query(`DROP TABLE "ledger_commission_staging"`);
  }
}
