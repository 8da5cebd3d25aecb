import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Page } from '../../../common/cursor';
import { ApiCount, ApiId, ApiNextCursor, ApiPoints, ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { REFERRAL_STATUSES, ReferralStatus } from '../entities/referral.entity';
import { ReferralDataJson, ReferralJson } from '../referral.mapper';

/** Referral JSON of API.md: one direct referral of the caller (documentation only). */
@ApiSchema({ name: 'Referral', description: 'A direct referral of the caller' })
export class ReferralResponse implements ReferralJson, OnlyKeysOf<ReferralJson, ReferralResponse> {
  @ApiId()
  id!: number;

  @ApiId('The caller', 7)
  referrer_id!: number;

  @ApiId('The user who registered with the caller’s code', 8)
  referee_id!: number;

  @ApiProperty({ example: 'bob_02' })
  referee_username!: string;

  @ApiProperty({
    enum: REFERRAL_STATUSES,
    enumName: 'ReferralStatus',
    example: 'Pending',
    description: 'Pending until the referee’s lifetime Network points reach REFERRAL_QUALIFY_POINTS; then Completed, then Rewarded once the bonus is credited',
  })
  status!: ReferralStatus;

  @ApiPoints('What the caller earned from this referee: commission plus bonus', 70)
  points!: number;

  @ApiTimestamp()
  created_at!: string;
}

@ApiSchema({ name: 'ReferralPage', description: 'Direct referrals, newest first' })
export class ReferralPageResponse implements Page<ReferralJson>, OnlyKeysOf<Page<ReferralJson>, ReferralPageResponse> {
  @ApiProperty({ type: [ReferralResponse] })
  items!: ReferralResponse[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

/** ReferralData of API.md: REST summary and the WebSocket ReferralUpdate payload. */
@ApiSchema({ name: 'ReferralData', description: "The caller's referral code and referral figures" })
export class ReferralDataResponse implements ReferralDataJson, OnlyKeysOf<ReferralDataJson, ReferralDataResponse> {
  @ApiProperty({ example: 'k3Xq9PzA', description: 'The caller’s own code, to share' })
  referral_code!: string;

  @ApiCount('Direct referrals', 4)
  total!: number;

  @ApiCount('Direct referrals Pending', 2)
  pending!: number;

  @ApiCount('Direct referrals Completed', 0)
  completed!: number;

  @ApiCount('Direct referrals Rewarded', 2)
  rewarded!: number;

  @ApiPoints('All referral commission and referral bonus earned, every tier', 140)
  points!: number;
}
