import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface NotificationRow {
  id: number;
  user_id: number;
  type: string;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

/** Named queries on the feed (`notifications` with in_app). */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The feed, newest first, keyset by id. */
  async list(userId: number, options: { unreadOnly: boolean; limit: number; beforeId?: number }): Promise<NotificationRow[]> {
    const params: unknown[] = [userId, options.limit];
    let filters = '';
    if (options.unreadOnly) filters += ' AND read_at IS NULL';
    if (options.beforeId !== undefined) {
      params.push(options.beforeId);
      filters += ` AND id < $${params.length}`;
    }
    return this.normalize(
      await this.dataSource.query(
        `SELECT id, user_id, type, data, created_at, read_at FROM notifications
          WHERE user_id = $1 AND in_app${filters} ORDER BY id DESC LIMIT $2`,
        params,
      ),
    );
  }

  /** Feed entries of these users newer than each one's `afterId`, oldest first, at most `perUser` each. */
  async newerThan(afterIds: ReadonlyMap<number, number>, perUser: number): Promise<NotificationRow[]> {
    if (afterIds.size === 0) return [];
    return this.normalize(
      await this.dataSource.query(
        `SELECT n.id, n.user_id, n.type, n.data, n.created_at, n.read_at
           FROM unnest($1::bigint[], $2::bigint[]) AS w(user_id, after_id)
           CROSS JOIN LATERAL (
             SELECT * FROM (SELECT * FROM notifications
                             WHERE user_id = w.user_id AND in_app AND id > w.after_id
                             ORDER BY id DESC LIMIT $3) newest ORDER BY id) n`,
        [[...afterIds.keys()], [...afterIds.values()], perUser],
      ),
    );
  }

  /** Unread counts and the newest feed id of each user (0 when none). */
  async unreadAndLatest(userIds: readonly number[]): Promise<Map<number, { unread: number; latestId: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT u.id AS user_id,
              (SELECT count(*) FROM notifications n WHERE n.user_id = u.id AND n.in_app AND n.read_at IS NULL)::int AS unread,
              COALESCE((SELECT max(id) FROM notifications n WHERE n.user_id = u.id), 0)::bigint AS latest_id
         FROM unnest($1::bigint[]) AS u(id)`,
      [userIds],
    )) as Array<{ user_id: string | number; unread: number; latest_id: string | number }>;
    return new Map(rows.map((row) => [Number(row.user_id), { unread: row.unread, latestId: Number(row.latest_id) }]));
  }

  async unreadCount(userId: number): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS unread FROM notifications WHERE user_id = $1 AND in_app AND read_at IS NULL`,
      [userId],
    )) as Array<{ unread: number }>;
    return row?.unread ?? 0;
  }

  /** Marks some (ids of other users are ignored) or all of a user's feed read; returns how many changed. */
  async markRead(userId: number, ids: readonly number[] | 'all'): Promise<number> {
    const result = (await this.dataSource.query(
      ids === 'all'
        ? `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND in_app AND read_at IS NULL`
        : `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND in_app AND read_at IS NULL AND id = ANY($2::bigint[])`,
      ids === 'all' ? [userId] : [userId, ids],
    )) as [unknown[], number];
    return result[1];
  }

  /** Deletes up to `limit` notifications older than `before` (deliveries go with them); returns how many. */
  async pruneOlderThan(before: Date, limit: number): Promise<number> {
    const result = (await this.dataSource.query(
      `DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [before, limit],
    )) as [unknown[], number];
    return result[1];
  }

  private normalize(rows: NotificationRow[]): NotificationRow[] {
    for (const row of rows) {
      row.id = Number(row.id);
      row.user_id = Number(row.user_id);
    }
    return rows;
  }
}
