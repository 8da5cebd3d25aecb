import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config';
import { DashboardError, DashboardErrorType } from '../../common/errors';
import { Cache } from '../../infra/cache/cache';
import { AuthSessionRepository, SessionStatus } from './auth-session.repository';
import { AccessTokenClaims, AuthUser, Role } from './auth-user';

/**
 * How long this instance trusts a session's status without asking again. Bounds how long a
 * revoked session or a disabled user's access token keeps working on another instance (API:
 * within a second): revocation clears the shared cache at once, this local copy expires.
 */
const LOCAL_TTL_MS = 500;
/** Shared cache (Redis when configured) in front of the database; revocations delete from it. */
const SHARED_TTL_MS = 60_000;
const MAX_CACHED = 100_000;

interface CachedStatus {
  status: SessionStatus | null;
  /** The session's expiry (ms), so a cached status never outlives the session. */
  expiresAt: number;
}

/**
 * Turns verified access-token claims into an AuthUser, checking that the session is live and
 * the user enabled. The role comes from ADMIN_EMAILS at check time, so demotions apply at once.
 */
@Injectable()
export class SessionValidator {
  private readonly local = new Map<string, { cached: CachedStatus; until: number }>();
  /** Without Redis the "shared" cache would be this process's alone: one level is enough. */
  private readonly useShared: boolean;

  constructor(
    private readonly sessions: AuthSessionRepository,
    private readonly shared: Cache,
    private readonly config: AppConfig,
  ) {
    this.useShared = config.redis.url !== null;
  }

  async authenticate(claims: AccessTokenClaims): Promise<AuthUser> {
    const status = await this.statusOf(claims.sid);
    if (status === null || status.userId !== claims.sub) throw DashboardError.unauthorized('Invalid access token');
    if (!status.active) throw new DashboardError(DashboardErrorType.SessionExpired, 'Session has ended; log in again');
    return { userId: status.userId, sessionId: claims.sid, role: this.roleOf(status.email) };
  }

  roleOf(email: string): Role {
    return this.config.auth.adminEmails.includes(email.toLowerCase()) ? 'admin' : 'user';
  }

  /** After revoking sessions: forget them here and in the shared cache (so on every instance). */
  async invalidate(sessionIds: readonly string[]): Promise<void> {
    for (const sessionId of sessionIds) this.local.delete(sessionId);
    if (this.useShared) await Promise.all(sessionIds.map((sessionId) => this.shared.delete(cacheKey(sessionId))));
  }

  private async statusOf(sessionId: string): Promise<SessionStatus | null> {
    const now = Date.now();
    const local = this.local.get(sessionId);
    let cached = local !== undefined && local.until > now ? local.cached : undefined;
    if (cached === undefined) {
      cached = this.useShared ? await this.shared.get<CachedStatus>(cacheKey(sessionId)) : undefined;
      if (cached === undefined) {
        const status = await this.sessions.status(sessionId);
        cached = { status, expiresAt: status === null ? now + SHARED_TTL_MS : new Date(status.expiresAt).getTime() };
        if (this.useShared) await this.shared.set(cacheKey(sessionId), cached, SHARED_TTL_MS);
      }
      if (this.local.size >= MAX_CACHED) this.local.clear();
      this.local.set(sessionId, { cached, until: now + LOCAL_TTL_MS });
    }
    const { status } = cached;
    if (status === null) return null;
    return status.active && cached.expiresAt > now ? status : { ...status, active: false };
  }
}

function cacheKey(sessionId: string): string {
  return `auth-session:${sessionId}`;
}
