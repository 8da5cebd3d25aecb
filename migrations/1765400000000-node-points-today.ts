import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each node earned today (UTC), for the node's own NodeUpdate `{earnings: {today, total}}`.
 * The ledger keeps per-user hourly rows, not per-node ones, so the day's share of a node's
 * `points_earned` is kept next to it: a trigger adds every increase of `points_earned` to
 * `points_today`, starting again from zero on the first increase of a new UTC day
 * (`points_day`). Readers treat a `points_day` other than today as nothing earned today. The
 * trigger keeps the accrual flush's statement unchanged, and fires only when that column is set.
 */
export class NodePointsToday1765400000000 implements MigrationInterface {
  name = 'NodePointsToday1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "network_connections" ADD "points_today" numeric(24,6) NOT NULL DEFAULT '0', ADD "points_day" date`,
    );
    await queryRunner.query(`
      CREATE FUNCTION network_connections_points_today() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        today date := (now() AT TIME ZONE 'UTC')::date;
      BEGIN
        IF NEW.points_earned IS DISTINCT FROM OLD.points_earned THEN
          NEW.points_today := CASE WHEN OLD.points_day = today THEN OLD.points_today ELSE 0 END
                              + (NEW.points_earned - OLD.points_earned);
          NEW.points_day := today;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "trg_network_connections_points_today" BEFORE UPDATE OF "points_earned" ON "network_connections"
         FOR EACH ROW EXECUTE FUNCTION network_connections_points_today()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_network_connections_points_today" ON "network_connections"`);
    await queryRunner.query(`DROP FUNCTION network_connections_points_today()`);
    await queryRunner.query(`ALTER TABLE "network_connections" DROP COLUMN "points_day", DROP COLUMN "points_today"`);
  }
}
