import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wallet ownership (issue 12): the single-use Sign-In with Ethereum challenges, and one account per
 * wallet. Addresses typed into the old free-text field were never proven, and one of them could
 * keep the real owner from linking their own wallet, so they are unlinked: users link again by
 * signature. What they typed is kept (unverified_wallet_address), not thrown away: support can
 * see it, and `down` puts it back.
 */
export class WalletChallenges1765500000000 implements MigrationInterface {
  name = 'WalletChallenges1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "wallet_challenges" (
        "nonce" character varying(128) NOT NULL,
        "user_id" bigint NOT NULL,
        "address" character varying(42) NOT NULL,
        "message" text NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_wallet_challenges" PRIMARY KEY ("nonce"),
        CONSTRAINT "fk_wallet_challenges_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "ix_wallet_challenges_expires_at" ON "wallet_challenges" ("expires_at")`);
    await queryRunner.query(`CREATE INDEX "ix_wallet_challenges_user" ON "wallet_challenges" ("user_id")`);
    await queryRunner.query(`ALTER TABLE "users" ADD "unverified_wallet_address" character varying(42)`);
    await queryRunner.query(
      `UPDATE "users" SET "unverified_wallet_address" = "wallet_address", "wallet_address" = NULL WHERE "wallet_address" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_wallet_address" ON "users" ("wallet_address")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_users_wallet_address"`);
    await queryRunner.query(
      `UPDATE "users" SET "wallet_address" = "unverified_wallet_address" WHERE "wallet_address" IS NULL AND "unverified_wallet_address" IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "unverified_wallet_address"`);
    await queryRunner.query(`DROP TABLE "wallet_challenges"`);
  }
}
