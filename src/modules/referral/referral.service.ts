import { Injectable } from '@nestjs/common';
import { decodeCursor, isIdCursor, Page, pageOf } from '../../common/cursor';
import { UserService } from '../user/user.service';
import { ListReferralsQuery } from './dto/list-referrals.query';
import { ReferralDataJson, ReferralJson, toReferralData, toReferralJson } from './referral.mapper';
import { ReferralRepository } from './referral.repository';

@Injectable()
export class ReferralService {
  constructor(
    private readonly referrals: ReferralRepository,
    private readonly users: UserService,
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

  async summary(userId: number): Promise<ReferralDataJson> {
    const [user, counts] = await Promise.all([this.users.require(userId), this.referrals.countsOf(userId)]);
    return toReferralData(user.referralCode, counts);
  }
}
