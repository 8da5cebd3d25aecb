import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config';
import { DashboardError, DashboardErrorType } from '../../common/errors';
import { AuthSessionRepository, SessionStatus } from './auth-session.repository';
import { AccessTokenClaims, AuthUser, Role } from './auth-user';

/**
 * How long a session's status is trusted without asking the database. Bounds how long a revoked
 * session or a disabled user's access token keeps working on any instance (API: within a second).
 */
const STATUS_TTL_MS = 500;
const MAX_CACHED = 100_000;

/**
 * Turns verified access-token claims into an AuthUser, checking that the session is live and
 * the user enabled. The role comes from ADMIN_EMAILS at check time, so demotions apply at once.
 */
@Injectable()
export class SessionValidator {
  private readonly cache = new Map<string, { status: SessionStatus | null; expiresAt: number }>();

  constructor(
    private readonly sessions: AuthSessionRepository,
    private readonly config: AppConfig,
  ) {}

  async authenticate(claims: AccessTokenClaims): Promise<AuthUser> {
    const status = await this.statusOf(claims.sid);
    if (status === null || status.userId !== claims.sub) throw DashboardError.unauthorized('Invalid access token');
    if (!status.active) throw new DashboardError(DashboardErrorType.SessionExpired, 'Session has ended; log in again');
    return { userId: status.userId, sessionId: claims.sid, role: this.roleOf(status.email) };
  }

  roleOf(email: string): Role {
    return this.config.auth.adminEmails.includes(email.toLowerCase()) ? 'admin' : 'user';
  }

  /** Drops what this instance knows about a session (after revoking it here). */
  forget(sessionId: string): void {
    this.cache.delete(sessionId);
  }

  /** Drops every cached session (after disabling a user here; other instances expire within the TTL). */
  forgetAll(): void {
    this.cache.clear();
  }

  private async statusOf(sessionId: string): Promise<SessionStatus | null> {
    const now = Date.now();
    const cached = this.cache.get(sessionId);
    if (cached !== undefined && cached.expiresAt > now) return cached.status;
    const status = await this.sessions.status(sessionId);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(sessionId, { status, expiresAt: now + STATUS_TTL_MS });
    return status;
  }
}
