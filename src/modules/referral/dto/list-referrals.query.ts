import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../../common/http/page.query';
import { REFERRAL_STATUSES, ReferralStatus } from '../entities/referral.entity';

export class ListReferralsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: REFERRAL_STATUSES, enumName: 'ReferralStatus', description: 'Only referrals in this status' })
  @IsOptional()
  @IsIn(REFERRAL_STATUSES, { message: `status must be one of ${REFERRAL_STATUSES.join(', ')}` })
  status?: ReferralStatus;
}
