import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiErrors, ApiIdParam } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { NetworkConnectionListResponse, NetworkConnectionResponse, NetworkSummaryResponse } from './dto/network.response';
import { NetworkConnectionJson, NetworkSummaryJson } from './network.mapper';
import { NetworkService } from './network.service';

@ApiTags('networks')
@ApiBearerAuth()
@Controller('api/networks')
export class NetworkController {
  constructor(private readonly networks: NetworkService) {}

  @Get()
  @ApiOperation({ summary: "The caller's nodes" })
  @ApiOkResponse({ type: NetworkConnectionListResponse, description: 'All of the caller’s nodes' })
  @ApiErrors(401)
  async list(@CurrentUser() auth: AuthUser): Promise<{ items: NetworkConnectionJson[] }> {
    return { items: await this.networks.list(auth.userId) };
  }

  @Get('summary')
  @ApiOperation({ summary: 'Counts, total uptime, average score and points of the caller’s nodes' })
  @ApiOkResponse({ type: NetworkSummaryResponse, description: 'Totals over the caller’s nodes' })
  @ApiErrors(401)
  summary(@CurrentUser() auth: AuthUser): Promise<NetworkSummaryJson> {
    return this.networks.summary(auth.userId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of the caller’s nodes (another user’s id is 404)' })
  @ApiIdParam('Id of one of the caller’s nodes')
  @ApiOkResponse({ type: NetworkConnectionResponse, description: 'The node' })
  @ApiErrors(400, 401, 404)
  get(@CurrentUser() auth: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<NetworkConnectionJson> {
    return this.networks.get(auth.userId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a node (a live session of it is closed with 4001)' })
  @ApiIdParam('Id of one of the caller’s nodes')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 404)
  async delete(@CurrentUser() auth: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<void> {
    await this.networks.delete(auth.userId, id);
  }
}
