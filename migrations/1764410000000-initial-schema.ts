import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: users, their nodes, the earnings ledger (range-partitioned by month, with a
 * default partition; `PartitionMaintenance` adds the monthly ones), per-user balances, applied
 * ledger batches, referrals and auth sessions with their refresh tokens.
 */
export class InitialSchema1764410000000 implements MigrationInterface {
  name = 'InitialSchema1764410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" BIGSERIAL NOT NULL,
        "email" character varying(254) NOT NULL,
        "username" character varying(32) NOT NULL,
        "password_hash" character varying(255) NOT NULL,
        "wallet_address" character varying(42),
        "referral_code" character varying(32) NOT NULL,
        "disabled_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_active" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_users" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_referral_code" ON "users" ("referral_code")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_username_lower" ON "users" (lower("username"))`);

    await queryRunner.query(`
      CREATE TABLE "network_connections" (
        "id" BIGSERIAL NOT NULL,
        "user_id" bigint NOT NULL,
        "device_id" character varying(64) NOT NULL,
        "network_name" character varying(64) NOT NULL,
        "ip_address" character varying(45),
        "connected" boolean NOT NULL DEFAULT false,
        "connection_time" numeric(20,3) NOT NULL DEFAULT '0',
        "network_score" double precision NOT NULL DEFAULT '0',
        "points_earned" numeric(24,6) NOT NULL DEFAULT '0',
        "last_seen_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "ck_network_connections_score" CHECK ("network_score" >= 0 AND "network_score" <= 1),
        CONSTRAINT "pk_network_connections" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_network_connections_user_device" ON "network_connections" ("user_id", "device_id")`,
    );

    // Partitioned by month on "timestamp"; a primary or unique key must include that column.
    await queryRunner.query(`
      CREATE TABLE "earnings" (
        "id" BIGSERIAL NOT NULL,
        "timestamp" TIMESTAMP WITH TIME ZONE NOT NULL,
        "user_id" bigint NOT NULL,
        "source" character varying(16) NOT NULL,
        "amount" numeric(24,6) NOT NULL,
        "epoch" integer NOT NULL,
        "ref" character varying(64) NOT NULL DEFAULT '',
        "note" character varying(200),
        CONSTRAINT "ck_earnings_source" CHECK ("source" IN ('Network', 'Referral', 'Bonus')),
        CONSTRAINT "pk_earnings" PRIMARY KEY ("id", "timestamp")
      ) PARTITION BY RANGE ("timestamp")`);
    await queryRunner.query(`CREATE TABLE "earnings_default" PARTITION OF "earnings" DEFAULT`);
    await queryRunner.query(`CREATE INDEX "ix_earnings_user_time" ON "earnings" ("user_id", "timestamp", "id")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_earnings_bucket" ON "earnings" ("user_id", "source", "timestamp", "ref")`,
    );

    await queryRunner.query(`
      CREATE TABLE "user_balances" (
        "user_id" bigint NOT NULL,
        "network" numeric(24,6) NOT NULL DEFAULT '0',
        "referral" numeric(24,6) NOT NULL DEFAULT '0',
        "bonus" numeric(24,6) NOT NULL DEFAULT '0',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_user_balances" PRIMARY KEY ("user_id")
      )`);

    await queryRunner.query(`
      CREATE TABLE "ledger_flushes" (
        "id" character varying(64) NOT NULL,
        "credit_count" integer NOT NULL,
        "applied_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_ledger_flushes" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_ledger_flushes_applied_at" ON "ledger_flushes" ("applied_at")`);

    await queryRunner.query(`
      CREATE TABLE "referrals" (
        "id" BIGSERIAL NOT NULL,
        "referrer_id" bigint NOT NULL,
        "referee_id" bigint NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'Pending',
        "points" numeric(24,6) NOT NULL DEFAULT '0',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "completed_at" TIMESTAMP WITH TIME ZONE,
        "rewarded_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "ck_referrals_status" CHECK ("status" IN ('Pending', 'Completed', 'Rewarded')),
        CONSTRAINT "ck_referrals_not_self" CHECK ("referrer_id" <> "referee_id"),
        CONSTRAINT "pk_referrals" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_referrals_referee" ON "referrals" ("referee_id")`);
    await queryRunner.query(`CREATE INDEX "ix_referrals_referrer" ON "referrals" ("referrer_id", "id")`);

    await queryRunner.query(`
      CREATE TABLE "auth_sessions" (
        "id" character varying(32) NOT NULL,
        "user_id" bigint NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "revoke_reason" character varying(32),
        "user_agent" character varying(255),
        "ip_address" character varying(45),
        CONSTRAINT "pk_auth_sessions" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_auth_sessions_user" ON "auth_sessions" ("user_id")`);

    await queryRunner.query(`
      CREATE TABLE "refresh_tokens" (
        "token_hash" character varying(64) NOT NULL,
        "session_id" character varying(32) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "rotated_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_refresh_tokens" PRIMARY KEY ("token_hash")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_refresh_tokens_session" ON "refresh_tokens" ("session_id")`);

    const foreignKeys: Array<[table: string, name: string, column: string, target: string]> = [
      ['network_connections', 'fk_network_connections_user', 'user_id', 'users'],
      ['earnings', 'fk_earnings_user', 'user_id', 'users'],
      ['user_balances', 'fk_user_balances_user', 'user_id', 'users'],
      ['referrals', 'fk_referrals_referrer', 'referrer_id', 'users'],
      ['referrals', 'fk_referrals_referee', 'referee_id', 'users'],
      ['auth_sessions', 'fk_auth_sessions_user', 'user_id', 'users'],
      ['refresh_tokens', 'fk_refresh_tokens_session', 'session_id', 'auth_sessions'],
    ];
    for (const [table, name, column, target] of foreignKeys) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") ` +
          `REFERENCES "${target}"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'refresh_tokens',
      'auth_sessions',
      'referrals',
      'ledger_flushes',
      'user_balances',
      'earnings',
      'network_connections',
      'users',
    ]) {
      await queryRunner.query(`DROP TABLE "${table}" CASCADE`);
    }
  }
}
