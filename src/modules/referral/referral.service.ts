import { Injectable } from '@nestjs/common';
import { decodeCursor, isIdCursor, Page, pageOf } from '../../common/cursor';
import { DashboardError } from '../../common/errors';
import { UserReadCache } from '../../infra/cache/user-read-cache';
import { ListReferralsQuery } from './dto/list-referrals.query';
import { ReferralDataJson, ReferralJson, toReferralData, toReferralJson } from './referral.mapper';
import { ReferralRepository } from './referral.repository';

@Injectable()
export class ReferralService {
  constructor(
    private readonly referrals: ReferralRepository,
    private readonly cache: UserReadCache,
  ) {}

  async list(userId: number, query: ListReferralsQuery): Promise<Page<ReferralJson>> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isIdCursor);
    const rows = await this.referrals.listByReferrer(userId, {
      status: query.status,
      limit: query.limit + 1,
      beforeId: cursor?.id,
    });
    return pageOf(rows, query.limit, toReferralJson, (row) => ({ id: row.id }));
  }

  /** The caller's ReferralData, cached until a referral event (GET /api/referrals/summary, snapshots). */
  async summary(userId: number): Promise<ReferralDataJson> {
    const summary = await this.cache.read(userId, 'referrals', async () => (await this.summaries([userId])).get(userId) ?? null);
    if (summary === null) throw DashboardError.notFound('User');
    return summary;
  }

  /** ReferralData of many users in one query. */
  async summaries(userIds: readonly number[]): Promise<Map<number, ReferralDataJson>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.referrals.countsOfMany(userIds);
    return new Map(rows.map((row) => [row.user_id, toReferralData(row.referral_code, row)]));
  }
}
