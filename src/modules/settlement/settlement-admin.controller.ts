import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardError, DashboardErrorType } from '../../common/errors';
import { ApiErrors } from '../../openapi';
import { AdminGuard } from '../auth/guards/admin.guard';
import { AdminSettlementResponse } from './dto/settlement.response';
import { ParseEpochPipe } from './parse-epoch.pipe';
import { ApiEpochParam } from './settlement.controller';
import { AdminSettlementJson, toAdminSettlementJson } from './settlement.mapper';
import { SettlementPublisher } from './settlement.publisher';
import { SettlementRepository } from './settlement.repository';
import { SettlementService } from './settlement.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/settlement/epochs')
export class SettlementAdminController {
  constructor(
    private readonly settlement: SettlementService,
    private readonly publisher: SettlementPublisher,
    private readonly settlements: SettlementRepository,
  ) {}

  @Post(':epoch/settle')
  @HttpCode(200)
  @ApiOperation({ summary: 'Settle an ended epoch (idempotent: a settled epoch is returned unchanged)' })
  @ApiEpochParam()
  @ApiOkResponse({ type: AdminSettlementResponse, description: 'The epoch’s settlement' })
  @ApiErrors(400, 401, 403)
  async settle(@Param('epoch', ParseEpochPipe) epoch: number): Promise<AdminSettlementJson> {
    const outcome = await this.settlement.settle(epoch);
    return toAdminSettlementJson(outcome.epoch, outcome.created);
  }

  @Post(':epoch/publish')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish a settled epoch now (retries a failing publication at once; a published epoch is returned unchanged)' })
  @ApiEpochParam()
  @ApiOkResponse({ type: AdminSettlementResponse, description: 'The epoch after this publication round' })
  @ApiErrors(400, 401, 403, { status: 404, errors: [DashboardErrorType.EntityNotFound], when: 'the epoch is not settled' })
  async publish(@Param('epoch', ParseEpochPipe) epoch: number): Promise<AdminSettlementJson> {
    if ((await this.settlements.findEpoch(epoch)) === null) throw DashboardError.notFound('Settled epoch');
    await this.settlements.makeDue(epoch);
    await this.publisher.round();
    return toAdminSettlementJson((await this.settlements.findEpoch(epoch))!, false);
  }
}
