import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChannelSettings } from '../notification-types';

/** What deciding a user's channels needs, read in one statement for many users. */
export interface RecipientFacts {
  readonly preferences: ReadonlyMap<string, ChannelSettings>;
  readonly hasWebhook: boolean;
  /** Notifications recorded for the user in the last hour (the per-user rate). */
  readonly recentCount: number;
}

/** The outbox's statements, run inside the caller's transaction. */
@Injectable()
export class OutboxRepository {
  async recipientFacts(manager: EntityManager, userIds: readonly number[]): Promise<Map<number, RecipientFacts>> {
    const rows = (await manager.query(
      `SELECT u.id AS user_id,
              (SELECT count(*) FROM notifications n WHERE n.user_id = u.id AND n.created_at > now() - interval '1 hour')::int AS recent,
              EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.user_id = u.id AND w.disabled_at IS NULL) AS has_webhook,
              COALESCE((SELECT json_agg(json_build_array(p.type, p.in_app, p.webhook, p.email))
                          FROM notification_preferences p WHERE p.user_id = u.id), '[]'::json) AS preferences
         FROM users u WHERE u.id = ANY($1::bigint[])`,
      [userIds],
    )) as Array<{ user_id: string | number; recent: number; has_webhook: boolean; preferences: Array<[string, boolean, boolean, boolean]> }>;
    return new Map(
      rows.map((row) => [
        Number(row.user_id),
        {
          recentCount: row.recent,
          hasWebhook: row.has_webhook,
          preferences: new Map(row.preferences.map(([type, in_app, webhook, email]) => [type, { in_app, webhook, email }])),
        },
      ]),
    );
  }

  /** Inserts notifications; returns their ids in input order (taken from the sequence first). */
  async insertNotifications(
    manager: EntityManager,
    rows: ReadonlyArray<{ userId: number; type: string; data: unknown; inApp: boolean }>,
  ): Promise<number[]> {
    const ids = ((await manager.query(`SELECT nextval('notifications_id_seq')::bigint AS id FROM generate_series(1, $1)`, [
      rows.length,
    ])) as Array<{ id: string }>).map((row) => Number(row.id));
    await manager.query(
      `INSERT INTO notifications (id, user_id, type, data, in_app)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::jsonb[], $5::boolean[])`,
      [ids, rows.map((row) => row.userId), rows.map((row) => row.type), rows.map((row) => JSON.stringify(row.data)), rows.map((row) => row.inApp)],
    );
    return ids;
  }

  async insertDeliveries(
    manager: EntityManager,
    rows: ReadonlyArray<{ notificationId: number; userId: number; channel: 'webhook' | 'email'; delayMs: number }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO notification_deliveries (notification_id, user_id, channel, next_attempt_at)
       SELECT t.notification_id, t.user_id, t.channel, now() + t.delay_ms * interval '1 millisecond'
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[]) AS t(notification_id, user_id, channel, delay_ms)`,
      [rows.map((row) => row.notificationId), rows.map((row) => row.userId), rows.map((row) => row.channel), rows.map((row) => row.delayMs)],
    );
  }

  async usernames(manager: EntityManager, userIds: readonly number[]): Promise<Map<number, string>> {
    const rows = (await manager.query(`SELECT id, username FROM users WHERE id = ANY($1::bigint[])`, [userIds])) as Array<{
      id: string | number;
      username: string;
    }>;
    return new Map(rows.map((row) => [Number(row.id), row.username]));
  }
}
