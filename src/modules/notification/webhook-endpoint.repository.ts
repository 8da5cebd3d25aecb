import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface WebhookEndpointRow {
  user_id: number;
  url: string;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Named queries on `webhook_endpoints` (one per user). */
@Injectable()
export class WebhookEndpointRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(userId: number): Promise<WebhookEndpointRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT user_id, url, disabled_at, created_at, updated_at FROM webhook_endpoints WHERE user_id = $1`,
      [userId],
    )) as WebhookEndpointRow[];
    return rows[0] ?? null;
  }

  /** Creates or replaces the endpoint (enabled, with a new secret). */
  async put(userId: number, url: string, secret: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_endpoints (user_id, url, secret) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, disabled_at = NULL, updated_at = now()`,
      [userId, url, secret],
    );
  }

  /** Removes the endpoint; its pending deliveries are cancelled in the same transaction. */
  async remove(userId: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = (await manager.query(`DELETE FROM webhook_endpoints WHERE user_id = $1`, [userId])) as [unknown[], number];
      await this.cancelPending(manager, userId);
      return result[1] > 0;
    });
  }

  /** Disables the endpoint (deliveries failed for the whole schedule); false when it was not enabled. */
  async disable(manager: EntityManager, userId: number): Promise<{ url: string } | null> {
    const rows = (await manager.query(
      `UPDATE webhook_endpoints SET disabled_at = now(), updated_at = now() WHERE user_id = $1 AND disabled_at IS NULL RETURNING url`,
      [userId],
    )) as [Array<{ url: string }>, number];
    const disabled = rows[0][0];
    if (disabled !== undefined) await this.cancelPending(manager, userId);
    return disabled ?? null;
  }

  private async cancelPending(manager: EntityManager, userId: number): Promise<void> {
    await manager.query(
      `UPDATE notification_deliveries SET status = 'cancelled' WHERE user_id = $1 AND channel = 'webhook' AND status = 'pending'`,
      [userId],
    );
  }
}
