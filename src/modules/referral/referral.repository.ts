import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ReferralStatus } from './entities/referral.entity';

export interface ReferralRow {
  id: number;
  referrer_id: number;
  referee_id: number;
  referee_username: string;
  status: ReferralStatus;
  points: string;
  created_at: Date;
}

export interface ReferralCounts {
  total: number;
  pending: number;
  completed: number;
  rewarded: number;
  /** Commission (every tier, attributed to the direct referral it flowed through) plus bonuses. */
  points: string;
}

/** Named queries on `referrals`. */
@Injectable()
export class ReferralRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertPending(manager: EntityManager, referrerId: number, refereeId: number): Promise<void> {
    await manager.query(`INSERT INTO referrals (referrer_id, referee_id) VALUES ($1, $2)`, [referrerId, refereeId]);
  }

  /** The caller's direct referrals, newest first, keyset by id. */
  listByReferrer(
    referrerId: number,
    options: { status?: ReferralStatus; limit: number; beforeId?: number },
  ): Promise<ReferralRow[]> {
    const params: unknown[] = [referrerId, options.limit];
    let filters = '';
    if (options.status !== undefined) {
      params.push(options.status);
      filters += ` AND r.status = $${params.length}`;
    }
    if (options.beforeId !== undefined) {
      params.push(options.beforeId);
      filters += ` AND r.id < $${params.length}`;
    }
    return this.dataSource.query(
      `SELECT r.id, r.referrer_id, r.referee_id, u.username AS referee_username, r.status, r.points, r.created_at
         FROM referrals r JOIN users u ON u.id = r.referee_id
        WHERE r.referrer_id = $1${filters}
        ORDER BY r.id DESC
        LIMIT $2`,
      params,
    );
  }

  /** Referral code and counts of many referrers in one query (live pushes fan out to thousands). */
  countsOfMany(referrerIds: readonly number[]): Promise<Array<ReferralCounts & { user_id: number; referral_code: string }>> {
    return this.dataSource.query(
      `SELECT u.id AS user_id, u.referral_code,
              count(r.id)::int AS total,
              count(r.id) FILTER (WHERE r.status = 'Pending')::int AS pending,
              count(r.id) FILTER (WHERE r.status = 'Completed')::int AS completed,
              count(r.id) FILTER (WHERE r.status = 'Rewarded')::int AS rewarded,
              COALESCE(sum(r.points), 0)::numeric(24,6)::text AS points
         FROM unnest($1::bigint[]) AS x(id)
         JOIN users u ON u.id = x.id
         LEFT JOIN referrals r ON r.referrer_id = u.id
        GROUP BY u.id, u.referral_code`,
      [referrerIds],
    );
  }
}
