import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DeliveryStatus } from '../entities/notification-delivery.entity';

/** A webhook delivery claimed for one attempt, with what sending it needs. */
export interface ClaimedWebhook {
  id: number;
  notification_id: number;
  user_id: number;
  attempts: number;
  type: string;
  data: Record<string, unknown>;
  created_at: Date;
  url: string | null;
  secret: string | null;
  disabled_at: Date | null;
}

/** An email delivery claimed, with its recipient. */
export interface ClaimedEmail {
  id: number;
  notification_id: number;
  user_id: number;
  attempts: number;
  type: string;
  data: Record<string, unknown>;
  created_at: Date;
  email: string;
  username: string;
  disabled: boolean;
}

export interface DeliveryRow {
  id: number;
  notification_id: number;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  response_code: number | null;
  response_excerpt: string | null;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  created_at: Date;
}

export interface AttemptOutcome {
  readonly responseCode: number | null;
  readonly excerpt: string | null;
}

/**
 * The outbox's worker side. Claims run on any instance at once: `FOR UPDATE SKIP LOCKED` keeps
 * two workers off one row, and a claim moves `next_attempt_at` ahead by a lease, so a worker
 * that dies mid-attempt leaves the row due again once the lease ends (at least once).
 */
@Injectable()
export class DeliveryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async claimWebhooks(limit: number, leaseMs: number): Promise<ClaimedWebhook[]> {
    const rows = (await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM notification_deliveries
          WHERE channel = 'webhook' AND status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE notification_deliveries d
          SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + $2 * interval '1 millisecond'
         FROM (SELECT due.id, n.type, n.data, n.created_at, w.url, w.secret, w.disabled_at
                 FROM due JOIN notification_deliveries x ON x.id = due.id
                 JOIN notifications n ON n.id = x.notification_id
                 LEFT JOIN webhook_endpoints w ON w.user_id = x.user_id) c
        WHERE d.id = c.id
       RETURNING d.id, d.notification_id, d.user_id, d.attempts, c.type, c.data, c.created_at, c.url, c.secret, c.disabled_at`,
      [limit, leaseMs],
    )) as [ClaimedWebhook[], number];
    return rows[0].map(normalize);
  }

  /**
   * Claims the email of users with a delivery due: every pending one of theirs not held by
   * another attempt, including those still inside the batching window, so one email carries them all.
   */
  async claimEmails(userLimit: number, rowLimit: number, leaseMs: number): Promise<ClaimedEmail[]> {
    const rows = (await this.dataSource.query(
      `WITH due_users AS (
         SELECT DISTINCT user_id FROM notification_deliveries
          WHERE channel = 'email' AND status = 'pending' AND next_attempt_at <= now() LIMIT $1),
       claimable AS (
         SELECT d.id FROM notification_deliveries d JOIN due_users u ON u.user_id = d.user_id
          WHERE d.channel = 'email' AND d.status = 'pending' AND (d.next_attempt_at <= now() OR d.attempts = 0)
          ORDER BY d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED)
       UPDATE notification_deliveries d
          SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + $3 * interval '1 millisecond'
         FROM claimable c, notifications n, users u
        WHERE d.id = c.id AND n.id = d.notification_id AND u.id = d.user_id
       RETURNING d.id, d.notification_id, d.user_id, d.attempts, n.type, n.data, n.created_at, u.email, u.username,
                 (u.disabled_at IS NOT NULL) AS disabled`,
      [userLimit, rowLimit, leaseMs],
    )) as [ClaimedEmail[], number];
    return rows[0].map(normalize);
  }

  async delivered(ids: readonly number[], outcome: AttemptOutcome): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_deliveries SET status = 'delivered', response_code = $2, response_excerpt = $3 WHERE id = ANY($1::bigint[])`,
      [ids, outcome.responseCode, outcome.excerpt],
    );
  }

  async retryLater(ids: readonly number[], delayMs: number, outcome: AttemptOutcome): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_deliveries SET next_attempt_at = now() + $2 * interval '1 millisecond', response_code = $3, response_excerpt = $4
        WHERE id = ANY($1::bigint[])`,
      [ids, delayMs, outcome.responseCode, outcome.excerpt],
    );
  }

  async finish(ids: readonly number[], status: 'failed' | 'cancelled', outcome: AttemptOutcome, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `UPDATE notification_deliveries SET status = $2, response_code = $3, response_excerpt = $4 WHERE id = ANY($1::bigint[])`,
      [ids, status, outcome.responseCode, outcome.excerpt],
    );
  }

  /** A user's recent webhook deliveries, newest first, keyset by id. */
  async listWebhook(userId: number, limit: number, beforeId?: number): Promise<DeliveryRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.id, d.notification_id, n.type, d.status, d.attempts, d.response_code, d.response_excerpt,
              d.next_attempt_at, d.last_attempt_at, d.created_at
         FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE d.user_id = $1 AND d.channel = 'webhook'${beforeId === undefined ? '' : ' AND d.id < $3'}
        ORDER BY d.id DESC LIMIT $2`,
      beforeId === undefined ? [userId, limit] : [userId, limit, beforeId],
    )) as DeliveryRow[];
    return rows.map(normalize);
  }
}

function normalize<T extends { id: number; notification_id: number; user_id?: number }>(row: T): T {
  row.id = Number(row.id);
  row.notification_id = Number(row.notification_id);
  if (row.user_id !== undefined) row.user_id = Number(row.user_id);
  return row;
}
