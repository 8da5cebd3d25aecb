import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WebhookSecretBox } from './webhook-secret-box';

/** Rows sealed per statement. */
const BATCH = 500;

/**
 * Seals, at boot, the webhook secrets stored in plaintext before sealing existed. Every instance
 * may run it at once: a row is rewritten only while it still holds the plaintext it read, so
 * nothing is sealed twice or lost. A failure (database not up yet) is logged and left to the next
 * boot; until then such secrets still sign (WebhookSecretBox opens plaintext as itself).
 */
@Injectable()
export class WebhookSecretSealer implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookSecrets');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: WebhookSecretBox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const sealed = await this.sealPlaintext();
      if (sealed > 0) this.logger.log({ sealed }, 'Sealed webhook secrets stored in plaintext');
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not seal plaintext webhook secrets; next boot tries again');
    }
  }

  /** Seals every plaintext secret; returns how many rows it rewrote. */
  async sealPlaintext(): Promise<number> {
    let sealed = 0;
    let after = '0';
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT user_id::text AS user_id, secret FROM webhook_endpoints
          WHERE secret LIKE 'whsec\\_%' AND user_id > $1 ORDER BY user_id LIMIT $2`,
        [after, BATCH],
      )) as Array<{ user_id: string; secret: string }>;
      if (rows.length === 0) return sealed;
      const [, count] = (await this.dataSource.query(
        `UPDATE webhook_endpoints w SET secret = v.sealed
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(user_id, plaintext, sealed)
          WHERE w.user_id = v.user_id AND w.secret = v.plaintext`,
        [rows.map((row) => row.user_id), rows.map((row) => row.secret), rows.map((row) => this.box.seal(row.user_id, row.secret))],
      )) as [unknown, number];
      sealed += count;
      after = rows[rows.length - 1]!.user_id;
    }
  }
}
