import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The WebSocket session that last connected a node. Marking a node disconnected is conditional
 * on it, so a late disconnect of an old session (on this or another instance) cannot mark offline
 * a node that has already reconnected.
 */
export class NodeSessionId1764420000000 implements MigrationInterface {
  name = 'NodeSessionId1764420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "network_connections" ADD "session_id" character varying(32)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "network_connections" DROP COLUMN "session_id"`);
  }
}
