import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { UpdateMeDto } from './dto/update-me.dto';
import { UserJson } from './user.mapper';
import { UserService } from './user.service';

@ApiTags('user')
@ApiBearerAuth()
@Controller('api/user')
export class UserController {
  constructor(private readonly users: UserService) {}

  @Get('me')
  @ApiOperation({ summary: 'The caller' })
  me(@CurrentUser() auth: AuthUser): Promise<UserJson> {
    return this.users.getMe(auth.userId);
  }

  @Patch('me')
  @ApiOperation({ summary: 'Change username and/or link (null: unlink) a wallet address' })
  update(@CurrentUser() auth: AuthUser, @Body() dto: UpdateMeDto): Promise<UserJson> {
    return this.users.updateMe(auth.userId, dto);
  }
}
