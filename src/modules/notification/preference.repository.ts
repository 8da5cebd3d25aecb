import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ChannelSettings } from './notification-types';

/** Named queries on `notification_preferences` (only types a user changed have a row). */
@Injectable()
export class PreferenceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async listByUser(userId: number): Promise<Map<string, ChannelSettings>> {
    const rows = (await this.dataSource.query(
      `SELECT type, in_app, webhook, email FROM notification_preferences WHERE user_id = $1`,
      [userId],
    )) as Array<{ type: string } & ChannelSettings>;
    return new Map(rows.map((row) => [row.type, { in_app: row.in_app, webhook: row.webhook, email: row.email }]));
  }

  /** Writes the full settings of some types (one statement). */
  async upsert(userId: number, settings: ReadonlyArray<{ type: string } & ChannelSettings>): Promise<void> {
    if (settings.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO notification_preferences (user_id, type, in_app, webhook, email)
       SELECT $1, * FROM unnest($2::text[], $3::boolean[], $4::boolean[], $5::boolean[])
       ON CONFLICT (user_id, type) DO UPDATE SET in_app = EXCLUDED.in_app, webhook = EXCLUDED.webhook, email = EXCLUDED.email`,
      [userId, settings.map((s) => s.type), settings.map((s) => s.in_app), settings.map((s) => s.webhook), settings.map((s) => s.email)],
    );
  }

  /** One channel off for one type (email unsubscribe links), keeping the others as they were. */
  async disableEmail(userId: number, type: string, defaults: ChannelSettings): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO notification_preferences (user_id, type, in_app, webhook, email)
       SELECT id, $2, $3, $4, false FROM users WHERE id = $1
       ON CONFLICT (user_id, type) DO UPDATE SET email = false`,
      [userId, type, defaults.in_app, defaults.webhook],
    );
  }
}
