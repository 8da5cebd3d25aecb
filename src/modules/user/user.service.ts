import { Injectable, Logger } from '@nestjs/common';
import { DashboardError } from '../../common/errors';
import { isUniqueViolation } from '../../database/pg-errors';
import { AuthUser } from '../auth/auth-user';
import { UserEntity } from './entities/user.entity';
import { UpdateMeDto } from './dto/update-me.dto';
import { toUserJson, UserJson } from './user.mapper';
import { UserRepository } from './user.repository';

@Injectable()
export class UserService {
  private readonly logger = new Logger('UserService');

  constructor(
    private readonly users: UserRepository,
  ) {}

  async getMe(auth: AuthUser): Promise<UserJson> {
    return toUserJson(await this.require(auth.userId), auth.role);
  }

  async updateMe(auth: AuthUser, dto: UpdateMeDto): Promise<UserJson> {
    const { userId } = auth;
    if (dto.username !== undefined) {
      try {
        await this.users.updateProfile(userId, { username: dto.username });
      } catch (error) {
        if (isUniqueViolation(error, 'uq_users_username_lower')) throw DashboardError.conflict('Username already taken');
        throw error;
      }
      this.logger.log({ userId, fields: ['username'] }, 'Profile updated');
    }
    return this.getMe(auth);
  }

  async require(userId: number): Promise<UserEntity> {
    const user = await this.users.findById(userId);
    if (user === null) throw DashboardError.notFound('User');
    return user;
  }
}
