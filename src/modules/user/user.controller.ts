import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardErrorType } from '../../common/errors';
import { ApiErrors } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { UpdateMeDto } from './dto/update-me.dto';
import { UserResponse } from './dto/user.response';
import { UserJson } from './user.mapper';
import { UserService } from './user.service';

@ApiTags('user')
@ApiBearerAuth()
@Controller('api/user')
export class UserController {
  constructor(private readonly users: UserService) {}

  @Get('me')
  @ApiOperation({ summary: 'The caller, with their role (admins may use /api/admin)' })
  @ApiOkResponse({ type: UserResponse, description: 'The caller' })
  @ApiErrors(401)
  me(@CurrentUser() auth: AuthUser): Promise<UserJson> {
    return this.users.getMe(auth);
  }

  @Patch('me')
  @ApiOperation({ summary: 'Change the username (wallets are linked by signature: POST /api/user/wallet)' })
  @ApiOkResponse({ type: UserResponse, description: 'The caller after the change' })
  @ApiErrors(400, 401, {
    status: 409,
    errors: [DashboardErrorType.Conflict],
    when: 'username already taken (regardless of case)',
  })
  update(@CurrentUser() auth: AuthUser, @Body() dto: UpdateMeDto): Promise<UserJson> {
    return this.users.updateMe(auth, dto);
  }
}
