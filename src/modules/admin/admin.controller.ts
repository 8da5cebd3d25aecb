import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/cursor';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { AuthUser } from '../auth/auth-user';
import { AdminGuard } from '../auth/guards/admin.guard';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { EarningJson } from '../earnings/earnings.mapper';
import { AdminUserDetailJson, AdminUserJson } from './admin.mapper';
import { AdminService } from './admin.service';
import { GrantBonusDto } from './dto/grant-bonus.dto';
import { SearchUsersQuery } from './dto/search-users.query';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/users')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOperation({ summary: 'Users, newest first; q searches email and username' })
  search(@Query() query: SearchUsersQuery): Promise<Page<AdminUserJson>> {
    return this.admin.search(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user with their earnings, nodes and referrals summaries' })
  detail(@Param('id', ParseIdPipe) id: number): Promise<AdminUserDetailJson> {
    return this.admin.detail(id);
  }

  @Post(':id/bonus')
  @ApiOperation({ summary: 'Credit a bonus (0 < amount ≤ 1,000,000)' })
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
  async disable(@CurrentUser() auth: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<void> {
    await this.admin.disable(auth.userId, id);
  }
}
