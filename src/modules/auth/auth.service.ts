import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config';
import { DashboardError, DashboardErrorType } from '../../common/errors';
import { newId, newReferralCode } from '../../common/ids';
import { constraintOf, isUniqueViolation } from '../../database/pg-errors';
import { EventBus } from '../../infra/bus/event-bus';
import { NotificationOutbox } from '../notification/outbox/notification-outbox.service';
import { ReferralRepository } from '../referral/referral.repository';
import { UserEntity } from '../user/entities/user.entity';
import { toUserJson } from '../user/user.mapper';
import { UserRepository } from '../user/user.repository';
import { AuthSessionRepository } from './auth-session.repository';
import { AuthThrottle } from './auth-throttle.service';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenResponse } from './dto/token-response';
import { PasswordHasher } from './password-hasher';
import { SessionValidator } from './session-validator.service';
import { TokenService } from './token.service';

/** Where a request came from, recorded on the session it creates. */
export interface ClientContext {
  readonly ip: string;
  readonly userAgent: string | undefined;
}

const REFERRAL_CODE_ATTEMPTS = 5;
/** A sign-in from an address the account has not used for this long raises security.login. */
const KNOWN_ADDRESS_DAYS = 30;

/** Registration, login, refresh-token rotation and logout. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('AuthService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly referrals: ReferralRepository,
    private readonly sessions: AuthSessionRepository,
    private readonly validator: SessionValidator,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHasher,
    private readonly throttle: AuthThrottle,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly notifications: NotificationOutbox,
  ) {}

  async register(dto: RegisterDto, client: ClientContext): Promise<TokenResponse> {
    await this.throttle.countRequest(client.ip);
    const referrer = dto.referral_code === undefined ? null : await this.users.findByReferralCode(dto.referral_code);
    if (dto.referral_code !== undefined && referrer === null) {
      throw DashboardError.validation('Unknown referral code', [
        { field: 'referral_code', problems: ['referral_code does not belong to any user'] },
      ]);
    }
    const passwordHash = await this.passwords.hash(dto.password);

    const result = await this.dataSource.transaction(async (manager) => {
      const user = await this.insertUser(manager, { email: dto.email, username: dto.username, passwordHash });
      if (referrer !== null) {
        await this.referrals.insertPending(manager, referrer.id, user.id);
        // Notifications (issue 17): the referrer hears of the new referee.
        await this.notifications.record(manager, referrer.id, 'referral.joined', {
          referee_username: user.username,
          bonus: this.config.referral.bonusPoints,
        });
      }
      return { user, tokens: await this.openSession(manager, user, client) };
    });

    if (referrer !== null) await this.bus.publishAfterCommit({ type: 'referral.changed', userIds: [referrer.id] });
    return result.tokens;
  }

  async login(dto: LoginDto, client: ClientContext): Promise<TokenResponse> {
    await this.throttle.countRequest(client.ip);
    await this.throttle.assertLoginAllowed(dto.email);
    const user = await this.users.findByEmail(dto.email);
    // Unknown emails are verified against a decoy hash: same answer, same time.
    const valid = await this.passwords.verify(user?.passwordHash ?? null, dto.password);
    if (user === null || !valid) {
      await this.throttle.recordLoginFailure(dto.email);
      throw new DashboardError(DashboardErrorType.InvalidCredentials, 'Invalid email or password');
    }
    if (user.disabledAt !== null) throw DashboardError.unauthorized('This account has been disabled');
    await this.throttle.clearLoginFailures(dto.email);
    user.lastActive = await this.users.touchLastActive(user.id);
    return this.dataSource.transaction(async (manager) => {
      // Notifications (issue 17): a sign-in from an address this account has not used lately.
      const since = new Date(Date.now() - KNOWN_ADDRESS_DAYS * 86_400_000);
      if (!(await this.sessions.usedAddressSince(manager, user.id, client.ip, since))) {
        await this.notifications.record(manager, user.id, 'security.login', {
          ip: client.ip,
          user_agent: client.userAgent?.slice(0, 255) ?? null,
          time: new Date().toISOString(),
        });
      }
      return this.openSession(manager, user, client);
    });
  }

  /**
   * Rotates a refresh token: the presented one stops working and a new pair is issued. A token
   * presented again after rotation means it leaked (or a client raced itself): the whole session
   * is revoked and the caller must log in again.
   */
  async refresh(refreshToken: string, client: ClientContext): Promise<TokenResponse> {
    await this.throttle.countRequest(client.ip);
    const tokenHash = this.tokens.hashRefreshToken(refreshToken);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const rotation = await this.sessions.rotate(tokenHash, manager);
      if (rotation.kind !== 'rotated') return rotation;
      const { session } = rotation;
      const user = await manager.getRepository(UserEntity).findOneByOrFail({ id: session.userId });
      if (session.revokedAt !== null || session.expiresAt <= new Date() || user.disabledAt !== null) {
        return { kind: 'ended' as const };
      }
      const next = this.tokens.newRefreshToken();
      await this.sessions.addRefreshToken(manager, session.id, next.hash, this.sessionExpiry());
      return { kind: 'issued' as const, user, sessionId: session.id, refreshToken: next.value };
    });

    switch (outcome.kind) {
      case 'unknown':
        throw DashboardError.unauthorized('Invalid refresh token');
      case 'reused': {
        const owner = await this.sessions.revoke(outcome.sessionId, 'refresh_reuse');
        await this.validator.invalidate(owner, [outcome.sessionId]);
        this.logger.warn({ sessionId: outcome.sessionId }, 'Refresh token reused; session revoked');
        throw new DashboardError(DashboardErrorType.SessionExpired, 'Refresh token already used; session revoked');
      }
      case 'ended':
        throw new DashboardError(DashboardErrorType.SessionExpired, 'Session has ended; log in again');
      case 'issued': {
        outcome.user.lastActive = await this.users.touchLastActive(outcome.user.id);
        return this.tokenResponse(outcome.user, outcome.sessionId, outcome.refreshToken);
      }
    }
  }

  /** Ends the session of a refresh token. Unknown tokens are ignored: logout is idempotent. */
  async logout(refreshToken: string): Promise<void> {
    const sessionId = await this.sessions.findSessionIdByRefreshToken(this.tokens.hashRefreshToken(refreshToken));
    if (sessionId === null) return;
    const owner = await this.sessions.revoke(sessionId, 'logout');
    await this.validator.invalidate(owner, [sessionId]);
  }

  private async insertUser(
    manager: EntityManager,
    user: { email: string; username: string; passwordHash: string },
  ): Promise<UserEntity> {
    for (let attempt = 1; ; attempt++) {
      try {
        // A savepoint, so that a referral-code collision can be retried inside the transaction.
        return await manager.transaction((inner) =>
          this.users.insert({ ...user, referralCode: newReferralCode() }, inner),
        );
      } catch (error) {
        if (isUniqueViolation(error, 'uq_users_email')) throw DashboardError.conflict('Email already registered');
        if (isUniqueViolation(error, 'uq_users_username_lower')) throw DashboardError.conflict('Username already taken');
        if (isUniqueViolation(error, 'uq_users_referral_code') && attempt < REFERRAL_CODE_ATTEMPTS) continue;
        if (isUniqueViolation(error)) {
          this.logger.error(`Unexpected unique violation on ${constraintOf(error)}`);
        }
        throw error;
      }
    }
  }

  private async openSession(manager: EntityManager, user: UserEntity, client: ClientContext): Promise<TokenResponse> {
    const sessionId = newId();
    const refresh = this.tokens.newRefreshToken();
    await this.sessions.create(
      manager,
      {
        id: sessionId,
        userId: user.id,
        expiresAt: this.sessionExpiry(),
        userAgent: client.userAgent?.slice(0, 255) ?? null,
        ipAddress: client.ip.slice(0, 45),
      },
      refresh.hash,
    );
    return this.tokenResponse(user, sessionId, refresh.value);
  }

  private async tokenResponse(user: UserEntity, sessionId: string, refreshToken: string): Promise<TokenResponse> {
    const role = this.validator.roleOf(user.email);
    return {
      user: toUserJson(user, role),
      access_token: await this.tokens.signAccess(user.id, sessionId, role),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
  }

  /** Sessions slide: each refresh extends them by JWT_REFRESH_TTL. */
  private sessionExpiry(): Date {
    return new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000);
  }
}
