import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/cursor';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { ListReferralsQuery } from './dto/list-referrals.query';
import { ReferralDataJson, ReferralJson } from './referral.mapper';
import { ReferralService } from './referral.service';

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('api/referrals')
export class ReferralController {
  constructor(private readonly referrals: ReferralService) {}

  @Get()
  @ApiOperation({ summary: "The caller's direct referrals, newest first" })
  list(@CurrentUser() auth: AuthUser, @Query() query: ListReferralsQuery): Promise<Page<ReferralJson>> {
    return this.referrals.list(auth.userId, query);
  }

  @Get('summary')
  @ApiOperation({ summary: 'ReferralData: code, counts by status, referral points (every tier)' })
  summary(@CurrentUser() auth: AuthUser): Promise<ReferralDataJson> {
    return this.referrals.summary(auth.userId);
  }
}
