import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook signing secrets are stored sealed (`WebhookSecretBox`: AES-256-GCM, key id, IV and tag
 * around the 50-character secret), which takes up to 116 characters: the column is widened.
 * Widening a varchar rewrites nothing. The rows stored in plaintext are sealed by the service at
 * boot (`WebhookSecretSealer`), which holds the key; a migration does not.
 */
export class WebhookSecretSealed1766300000000 implements MigrationInterface {
  name = 'WebhookSecretSealed1766300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" ALTER COLUMN "secret" TYPE varchar(200)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Sealed values do not fit the old width, and the key is not here to open them: registering
    // again gives an endpoint a new secret.
    await queryRunner.query(`DELETE FROM "webhook_endpoints" WHERE length("secret") > 100`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" ALTER COLUMN "secret" TYPE varchar(100)`);
  }
}
