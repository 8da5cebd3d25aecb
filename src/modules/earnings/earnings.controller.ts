import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/cursor';
import { ApiErrors } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { EarningsDataResponse, EarningsPageResponse, TimeseriesResponse } from './dto/earnings.response';
import { ListEarningsQuery } from './dto/list-earnings.query';
import { TimeseriesQuery } from './dto/timeseries.query';
import { EarningJson, EarningsDataJson } from './earnings.mapper';
import { EarningsService } from './earnings.service';

@ApiTags('earnings')
@ApiBearerAuth()
@Controller('api/earnings')
export class EarningsController {
  constructor(private readonly earnings: EarningsService) {}

  @Get()
  @ApiOperation({ summary: 'Ledger rows, newest first (Network/Referral per hour, Bonus individually)' })
  @ApiOkResponse({ type: EarningsPageResponse, description: 'One page of ledger rows' })
  @ApiErrors(400, 401)
  history(@CurrentUser() auth: AuthUser, @Query() query: ListEarningsQuery): Promise<Page<EarningJson>> {
    return this.earnings.history(auth.userId, query);
  }

  @Get('summary')
  @ApiOperation({ summary: 'EarningsData: total, today, current epoch, by source' })
  @ApiOkResponse({ type: EarningsDataResponse, description: 'EarningsData' })
  @ApiErrors(401)
  summary(@CurrentUser() auth: AuthUser): Promise<EarningsDataJson> {
    return this.earnings.summary(auth.userId);
  }

  @Get('timeseries')
  @ApiOperation({ summary: 'Hourly or daily sums by source, zero-filled, ascending' })
  @ApiOkResponse({ type: TimeseriesResponse, description: 'Buckets from `from` to `to`' })
  @ApiErrors(400, 401)
  timeseries(@CurrentUser() auth: AuthUser, @Query() query: TimeseriesQuery) {
    return this.earnings.timeseries(auth.userId, query);
  }
}
