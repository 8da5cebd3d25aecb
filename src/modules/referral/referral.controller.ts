import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/cursor';
import { ApiErrors } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { ListReferralsQuery } from './dto/list-referrals.query';
import { ReferralDataResponse, ReferralPageResponse } from './dto/referral.response';
import { ReferralDataJson, ReferralJson } from './referral.mapper';
import { ReferralService } from './referral.service';

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('api/referrals')
export class ReferralController {
  constructor(private readonly referrals: ReferralService) {}

  @Get()
  @ApiOperation({ summary: "The caller's direct referrals, newest first" })
  @ApiOkResponse({ type: ReferralPageResponse, description: 'One page of direct referrals' })
  @ApiErrors(400, 401)
  list(@CurrentUser() auth: AuthUser, @Query() query: ListReferralsQuery): Promise<Page<ReferralJson>> {
    return this.referrals.list(auth.userId, query);
  }

  @Get('summary')
  @ApiOperation({ summary: 'ReferralData: code, counts by status, referral points (every tier)' })
  @ApiOkResponse({ type: ReferralDataResponse, description: 'ReferralData' })
  @ApiErrors(401)
  summary(@CurrentUser() auth: AuthUser): Promise<ReferralDataJson> {
    return this.referrals.summary(auth.userId);
  }
}
