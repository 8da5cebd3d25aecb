import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications: the feed, the outbox of webhook and email deliveries, preferences per type and
 * webhook endpoints; on nodes, the times and flags offline alerts are derived from.
 */
export class Notifications1765300000000 implements MigrationInterface {
  name = 'Notifications1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifications" (
        "id" BIGSERIAL NOT NULL,
        "user_id" bigint NOT NULL,
        "type" character varying(40) NOT NULL,
        "data" jsonb NOT NULL,
        "in_app" boolean NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "read_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_notifications" PRIMARY KEY ("id"),
        CONSTRAINT "fk_notifications_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "ix_notifications_user_feed" ON "notifications" ("user_id", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_notifications_user_time" ON "notifications" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "ix_notifications_unread" ON "notifications" ("user_id") WHERE in_app AND read_at IS NULL`);
    await queryRunner.query(`CREATE INDEX "ix_notifications_created_at" ON "notifications" ("created_at")`);

    await queryRunner.query(`
      CREATE TABLE "notification_deliveries" (
        "id" BIGSERIAL NOT NULL,
        "notification_id" bigint NOT NULL,
        "user_id" bigint NOT NULL,
        "channel" character varying(16) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_attempt_at" TIMESTAMP WITH TIME ZONE,
        "response_code" integer,
        "response_excerpt" character varying(256),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "ck_notification_deliveries_channel" CHECK ("channel" IN ('webhook', 'email')),
        CONSTRAINT "ck_notification_deliveries_status" CHECK ("status" IN ('pending', 'delivered', 'failed', 'cancelled')),
        CONSTRAINT "pk_notification_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "fk_notification_deliveries_notification" FOREIGN KEY ("notification_id") REFERENCES "notifications"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "fk_notification_deliveries_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_notification_deliveries_due" ON "notification_deliveries" ("channel", "next_attempt_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX "ix_notification_deliveries_user" ON "notification_deliveries" ("user_id", "channel", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_notification_deliveries_notification" ON "notification_deliveries" ("notification_id")`);

    await queryRunner.query(`
      CREATE TABLE "notification_preferences" (
        "user_id" bigint NOT NULL,
        "type" character varying(40) NOT NULL,
        "in_app" boolean NOT NULL,
        "webhook" boolean NOT NULL,
        "email" boolean NOT NULL,
        CONSTRAINT "pk_notification_preferences" PRIMARY KEY ("user_id", "type"),
        CONSTRAINT "fk_notification_preferences_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);

    await queryRunner.query(`
      CREATE TABLE "webhook_endpoints" (
        "user_id" bigint NOT NULL,
        "url" character varying(2048) NOT NULL,
        "secret" character varying(100) NOT NULL,
        "disabled_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_endpoints" PRIMARY KEY ("user_id"),
        CONSTRAINT "fk_webhook_endpoints_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);

    await queryRunner.query(`ALTER TABLE "network_connections" ADD "connected_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "network_connections" ADD "disconnected_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "network_connections" ADD "offline_alerted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "network_connections" ADD "offline_alert_open" boolean NOT NULL DEFAULT false`);
    // Outages that began before this release have no start time, so they raise no alert.
    await queryRunner.query(
      `CREATE INDEX "ix_network_connections_outage" ON "network_connections" ("disconnected_at") WHERE NOT connected AND NOT offline_alert_open`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_network_connections_alert_open" ON "network_connections" ("id") WHERE offline_alert_open`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_network_connections_alert_open"`);
    await queryRunner.query(`DROP INDEX "ix_network_connections_outage"`);
    await queryRunner.query(`ALTER TABLE "network_connections" DROP COLUMN "offline_alert_open"`);
    await queryRunner.query(`ALTER TABLE "network_connections" DROP COLUMN "offline_alerted_at"`);
    await queryRunner.query(`ALTER TABLE "network_connections" DROP COLUMN "disconnected_at"`);
    await queryRunner.query(`ALTER TABLE "network_connections" DROP COLUMN "connected_at"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
    await queryRunner.query(`DROP TABLE "notification_preferences"`);
    await queryRunner.query(`DROP TABLE "notification_deliveries"`);
    await queryRunner.query(`DROP TABLE "notifications"`);
  }
}
