import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DashboardError } from '../../common/errors';
import { isUniqueViolation } from '../../database/pg-errors';
import { NotificationOutbox } from '../notification/outbox/notification-outbox.service';
import { AuthUser } from '../auth/auth-user';
import { UserEntity } from './entities/user.entity';
import { UpdateMeDto } from './dto/update-me.dto';
import { toUserJson, UserJson } from './user.mapper';
import { UserRepository } from './user.repository';
import { normalizeWalletAddress } from './wallet-address';

@Injectable()
export class UserService {
  private readonly logger = new Logger('UserService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly notifications: NotificationOutbox,
  ) {}

  async getMe(auth: AuthUser): Promise<UserJson> {
    return toUserJson(await this.require(auth.userId), auth.role);
  }

  async updateMe(auth: AuthUser, dto: UpdateMeDto): Promise<UserJson> {
    const { userId } = auth;
    const changes: { username?: string; walletAddress?: string | null } = {};
    if (dto.username !== undefined) changes.username = dto.username;
    if (dto.wallet_address !== undefined) {
      changes.walletAddress = dto.wallet_address === null ? null : normalizeWalletAddress(dto.wallet_address);
    }
    if (Object.keys(changes).length > 0) {
      try {
        await this.dataSource.transaction(async (manager) => {
          const { previousWallet } = await this.users.updateProfile(userId, changes, manager);
          // Notifications (issue 17): a payout wallet linked or changed. Settlement's wallet
          // linking (issue 12) calls the same outbox API in its own transaction.
          if (changes.walletAddress !== undefined && changes.walletAddress !== null && changes.walletAddress !== previousWallet) {
            await this.notifications.record(manager, userId, 'security.wallet_linked', { address: changes.walletAddress });
          }
        });
      } catch (error) {
        if (isUniqueViolation(error, 'uq_users_username_lower')) throw DashboardError.conflict('Username already taken');
        throw error;
      }
      this.logger.log({ userId, fields: Object.keys(changes) }, 'Profile updated');
    }
    return this.getMe(auth);
  }

  async require(userId: number): Promise<UserEntity> {
    const user = await this.users.findById(userId);
    if (user === null) throw DashboardError.notFound('User');
    return user;
  }
}
