import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../openapi';
import { AdminGuard } from '../auth/guards/admin.guard';
import { AdminSettlementResponse } from './dto/settlement.response';
import { ParseEpochPipe } from './parse-epoch.pipe';
import { ApiEpochParam } from './settlement.controller';
import { AdminSettlementJson, toAdminSettlementJson } from './settlement.mapper';
import { SettlementService } from './settlement.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/settlement/epochs')
export class SettlementAdminController {
  constructor(private readonly settlement: SettlementService) {}

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
}
