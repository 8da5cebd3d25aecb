import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement (issue 12): epochs closed into Merkle roots of cumulative token amounts, their leaves
 * with proofs, the publication state machine, and which user each paid address belongs to.
 */
export class Settlement1765500000001 implements MigrationInterface {
  name = 'Settlement1765500000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "settlement_state" (
        "id" smallint NOT NULL,
        "first_epoch" integer NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_settlement_state" PRIMARY KEY ("id"),
        CONSTRAINT "ck_settlement_state_single" CHECK ("id" = 1)
      )`);
    await queryRunner.query(`
      CREATE TABLE "settlement_epochs" (
        "epoch" integer NOT NULL,
        "root" character varying(66),
        "status" character varying(16) NOT NULL,
        "leaf_count" integer NOT NULL,
        "total_amount" numeric(78,0) NOT NULL,
        "settled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "tx_hash" character varying(66),
        "raw_tx" text,
        "block_number" bigint,
        "publish_attempts" integer NOT NULL DEFAULT 0,
        "publish_error" character varying(500),
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "published_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_settlement_epochs" PRIMARY KEY ("epoch"),
        CONSTRAINT "ck_settlement_epochs_status" CHECK ("status" IN ('settled', 'publishing', 'published'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_settlement_epochs_unpublished" ON "settlement_epochs" ("epoch") WHERE status <> 'published'`);
    await queryRunner.query(`
      CREATE TABLE "settlement_leaves" (
        "epoch" integer NOT NULL,
        "account" character varying(42) NOT NULL,
        "user_id" bigint NOT NULL,
        "token_amount" numeric(78,0) NOT NULL,
        "proof" jsonb NOT NULL,
        CONSTRAINT "pk_settlement_leaves" PRIMARY KEY ("epoch", "account"),
        CONSTRAINT "fk_settlement_leaves_epoch" FOREIGN KEY ("epoch") REFERENCES "settlement_epochs"("epoch") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "ix_settlement_leaves_user" ON "settlement_leaves" ("user_id", "epoch")`);
    await queryRunner.query(`
      CREATE TABLE "settlement_accounts" (
        "account" character varying(42) NOT NULL,
        "user_id" bigint NOT NULL,
        "first_epoch" integer NOT NULL,
        CONSTRAINT "pk_settlement_accounts" PRIMARY KEY ("account")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_settlement_accounts_user" ON "settlement_accounts" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "settlement_accounts"`);
    await queryRunner.query(`DROP TABLE "settlement_leaves"`);
    await queryRunner.query(`DROP TABLE "settlement_epochs"`);
    await queryRunner.query(`DROP TABLE "settlement_state"`);
  }
}
