import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/cursor';
import { DashboardErrorType } from '../../common/errors';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiErrors, ApiIdParam } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { AdminGuard } from '../auth/guards/admin.guard';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { EarningResponse } from '../earnings/dto/earnings.response';
import { EarningJson } from '../earnings/earnings.mapper';
import { AdminUserDetailJson, AdminUserJson } from './admin.mapper';
import { AdminService } from './admin.service';
import { AdminUserDetailResponse, AdminUserPageResponse } from './dto/admin-user.response';
import { GrantBonusDto } from './dto/grant-bonus.dto';
import { SearchUsersQuery } from './dto/search-users.query';

const USER_NOT_FOUND = { status: 404, errors: [DashboardErrorType.EntityNotFound], when: 'no user with this id' } as const;

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/users')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOperation({ summary: 'Users, newest first; q searches email and username' })
  @ApiOkResponse({ type: AdminUserPageResponse, description: 'One page of users' })
  @ApiErrors(400, 401, 403)
  search(@Query() query: SearchUsersQuery): Promise<Page<AdminUserJson>> {
    return this.admin.search(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user with their earnings, nodes and referrals summaries' })
  @ApiIdParam('User id')
  @ApiOkResponse({ type: AdminUserDetailResponse, description: 'The user and their summaries' })
  @ApiErrors(400, 401, 403, USER_NOT_FOUND)
  detail(@Param('id', ParseIdPipe) id: number): Promise<AdminUserDetailJson> {
    return this.admin.detail(id);
  }

  @Post(':id/bonus')
  @ApiOperation({ summary: 'Credit a bonus (0 < amount ≤ 1,000,000)' })
  @ApiIdParam('User id')
  @ApiCreatedResponse({ type: EarningResponse, description: 'The Bonus ledger row' })
  @ApiErrors(400, 401, 403, USER_NOT_FOUND)
  bonus(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: GrantBonusDto,
  ): Promise<EarningJson> {
    return this.admin.grantBonus(auth.userId, id, dto);
  }

  @Post(':id/disable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disable a user: sessions revoked, sockets closed with 4401' })
  @ApiIdParam('User id')
  @ApiNoContentResponse({ description: 'Disabled: sessions revoked, sockets closed with 4401, logins refused with 401' })
  @ApiErrors(
    { status: 400, errors: [DashboardErrorType.ValidationError], when: 'invalid id, or an administrator disabling themselves' },
    401,
    403,
    USER_NOT_FOUND,
  )
  async disable(@CurrentUser() auth: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<void> {
    await this.admin.disable(auth.userId, id);
  }
}
