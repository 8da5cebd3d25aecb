import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Page } from '../../../common/cursor';
import { ApiNextCursor, ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { EarningsDataResponse } from '../../earnings/dto/earnings.response';
import { NetworkSummaryResponse } from '../../network/dto/network.response';
import { ReferralDataResponse } from '../../referral/dto/referral.response';
import { UserResponse } from '../../user/dto/user.response';
import { AdminUserDetailJson, AdminUserJson } from '../admin.mapper';

/** A user as administrators see them: User JSON plus the disabled state (documentation only). */
@ApiSchema({ name: 'AdminUser', description: 'User JSON plus the disabled state' })
export class AdminUserResponse extends UserResponse implements AdminUserJson, OnlyKeysOf<AdminUserJson, AdminUserResponse> {
  @ApiTimestamp('When an administrator disabled the account; null while enabled', { nullable: true })
  disabled_at!: string | null;
}

@ApiSchema({ name: 'AdminUserPage', description: 'Users, newest first' })
export class AdminUserPageResponse implements Page<AdminUserJson>, OnlyKeysOf<Page<AdminUserJson>, AdminUserPageResponse> {
  @ApiProperty({ type: [AdminUserResponse] })
  items!: AdminUserResponse[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

@ApiSchema({ name: 'AdminUserDetail', description: 'A user with their earnings, nodes and referrals summaries' })
export class AdminUserDetailResponse
  extends AdminUserResponse
  implements AdminUserDetailJson, OnlyKeysOf<AdminUserDetailJson, AdminUserDetailResponse>
{
  @ApiProperty({ type: EarningsDataResponse })
  earnings!: EarningsDataResponse;

  @ApiProperty({ type: NetworkSummaryResponse })
  networks!: NetworkSummaryResponse;

  @ApiProperty({ type: ReferralDataResponse })
  referrals!: ReferralDataResponse;
}
