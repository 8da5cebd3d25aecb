import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `points_today`/`points_day` are now kept by the accrual flush's own node update
 * (`LedgerRepository.advanceNodes`, the only writer of `points_earned`), not by a row trigger: a
 * PL/pgSQL trigger per updated row cost the flush about a third of its node update
 * (BENCHMARKS.md, "Accrual flush, third round"). Same rule as the trigger's: an increase of
 * `points_earned` adds to `points_today`, from zero on the first increase of a new UTC day.
 */
export class NodePointsTodayInFlush1766100000000 implements MigrationInterface {
  name = 'NodePointsTodayInFlush1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_network_connections_points_today" ON "network_connections"`);
    await queryRunner.query(`DROP FUNCTION network_connections_points_today()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
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
}
