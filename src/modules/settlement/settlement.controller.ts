import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/cursor';
import { DashboardErrorType } from '../../common/errors';
import { PageQuery } from '../../common/http/page.query';
import { ApiErrors } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { SettlementEpochPageResponse, SettlementProofResponse } from './dto/settlement.response';
import { ParseEpochPipe } from './parse-epoch.pipe';
import { SettlementEpochJson, SettlementProofJson } from './settlement.mapper';
import { SettlementQueryService } from './settlement-query.service';
import { MAX_EPOCH } from './settlement.service';

export const ApiEpochParam = () =>
  ApiParam({ name: 'epoch', schema: { type: 'integer', minimum: 0, maximum: MAX_EPOCH, example: 334 }, description: 'Epoch number' });

@ApiTags('settlement')
@ApiBearerAuth()
@Controller('api/settlement/epochs')
export class SettlementController {
  constructor(private readonly settlement: SettlementQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Settled epochs, newest first, with the caller’s cumulative amount in each' })
  @ApiOkResponse({ type: SettlementEpochPageResponse, description: 'One page of epochs' })
  @ApiErrors(400, 401)
  list(@CurrentUser() auth: AuthUser, @Query() query: PageQuery): Promise<Page<SettlementEpochJson>> {
    return this.settlement.list(auth, query);
  }

  @Get(':epoch/proof')
  @ApiOperation({ summary: 'The caller’s leaf and Merkle proof in an epoch (what the contract’s claim takes)' })
  @ApiEpochParam()
  @ApiOkResponse({ type: SettlementProofResponse, description: 'Leaf and proof' })
  @ApiErrors(400, 401, { status: 404, errors: [DashboardErrorType.EntityNotFound], when: 'the epoch is not settled or has no leaf of the caller' })
  proof(@CurrentUser() auth: AuthUser, @Param('epoch', ParseEpochPipe) epoch: number): Promise<SettlementProofJson> {
    return this.settlement.proof(auth, epoch);
  }
}
