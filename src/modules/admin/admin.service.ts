import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, isIdCursor, Page, pageOf } from '../../common/cursor';
import { DashboardError } from '../../common/errors';
import { microPointsOf } from '../../common/points';
import { EventBus } from '../../infra/bus/event-bus';
import { AuthSessionRepository } from '../auth/auth-session.repository';
import { SessionValidator } from '../auth/session-validator.service';
import { EarningJson, toEarningJson } from '../earnings/earnings.mapper';
import { EarningsService } from '../earnings/earnings.service';
import { LedgerService } from '../earnings/ledger.service';
import { NetworkService } from '../network/network.service';
import { ReferralService } from '../referral/referral.service';
import { UserRepository } from '../user/user.repository';
import { UserService } from '../user/user.service';
import { AdminUserDetailJson, AdminUserJson, toAdminUserJson } from './admin.mapper';
import { GrantBonusDto } from './dto/grant-bonus.dto';
import { SearchUsersQuery } from './dto/search-users.query';

@Injectable()
export class AdminService {
  private readonly logger = new Logger('AdminService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly userService: UserService,
    private readonly sessions: AuthSessionRepository,
    private readonly validator: SessionValidator,
    private readonly ledger: LedgerService,
    private readonly earnings: EarningsService,
    private readonly networks: NetworkService,
    private readonly referrals: ReferralService,
    private readonly bus: EventBus,
  ) {}

  async search(query: SearchUsersQuery): Promise<Page<AdminUserJson>> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isIdCursor);
    const rows = await this.users.search(query.q?.trim(), query.limit + 1, cursor?.id);
    return pageOf(
      rows,
      query.limit,
      (user) => toAdminUserJson(user, this.validator.roleOf(user.email)),
      (user) => ({ id: user.id }),
    );
  }

  async detail(userId: number): Promise<AdminUserDetailJson> {
    const user = await this.userService.require(userId);
    const [earnings, networks, referrals] = await Promise.all([
      this.earnings.summary(userId),
      this.networks.summary(userId),
      this.referrals.summary(userId),
    ]);
    return { ...toAdminUserJson(user, this.validator.roleOf(user.email)), earnings, networks, referrals };
  }

  async grantBonus(adminId: number, userId: number, dto: GrantBonusDto): Promise<EarningJson> {
    await this.userService.require(userId);
    const row = await this.ledger.grantBonus(userId, microPointsOf(dto.amount), dto.reason);
    this.logger.log({ adminId, userId, amount: dto.amount }, 'Bonus granted');
    return toEarningJson({
      id: row.id,
      user_id: row.userId,
      amount: row.amount,
      source: 'Bonus',
      timestamp: row.timestamp,
      epoch: row.epoch,
    });
  }

  /** Disables a user: every session revoked, live sockets closed with 4401, login refused. */
  async disable(adminId: number, userId: number): Promise<void> {
    if (adminId === userId) throw DashboardError.validation('Administrators cannot disable themselves');
    const revoked = await this.dataSource.transaction(async (manager) => {
      if (!(await this.users.disable(userId, manager))) throw DashboardError.notFound('User');
      return this.sessions.revokeAllOfUser(userId, 'user_disabled', manager);
    });
    // user.disabled (below) drops every status of the user on every instance; no session.revoked.
    await this.validator.invalidate(null, revoked);
    this.logger.log({ adminId, userId, revokedSessions: revoked.length }, 'User disabled');
    await this.bus.publishAfterCommit({ type: 'user.disabled', userIds: [userId] });
  }
}
