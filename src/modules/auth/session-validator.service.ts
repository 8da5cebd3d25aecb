import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config';
import { DashboardError, DashboardErrorType } from '../../common/errors';
import { DomainEvent } from '../../infra/bus/domain-event';
import { EventBus, Unsubscribe } from '../../infra/bus/event-bus';
import { Cache } from '../../infra/cache/cache';
import { AuthSessionRepository, SessionStatus } from './auth-session.repository';
import { AccessTokenClaims, AuthUser, Role } from './auth-user';

/**
 * How long this instance trusts a session's status without asking again, when it might miss a
 * revocation (the bus is down, or has not been listening to the user for long). Bounds how long a
 * revoked session or a disabled user's access token keeps working on another instance (API:
 * within a second): revocation clears the shared cache at once, this local copy expires.
 */
const LOCAL_TTL_MS = 500;
/**
 * How long it trusts a status while revocations reach it: it listens to the user's events on the
 * bus (`session.revoked`, `user.disabled`), which drop the status at once on every instance.
 */
const TRUSTED_TTL_MS = 10_000;
/** A user's bus subscription counts only once it has been up this long (SUBSCRIBE is asynchronous). */
const SUBSCRIBE_GRACE_MS = 1_000;
/** How often the bus's health is sampled (a revocation may be lost while it is down). */
const HEALTH_SAMPLE_MS = 100;
/** Shared cache (Redis when configured) in front of the database; revocations delete from it. */
const SHARED_TTL_MS = 60_000;
const MAX_CACHED = 100_000;

interface CachedStatus {
  status: SessionStatus | null;
  /** The session's expiry (ms), so a cached status never outlives the session. */
  expiresAt: number;
}

interface LocalStatus {
  readonly cached: CachedStatus;
  readonly cachedAt: number;
}

/** This instance listening to one user's revocations. */
interface Watch {
  readonly since: number;
  readonly sessions: Set<string>;
  readonly unsubscribe: Unsubscribe;
}

/**
 * Turns verified access-token claims into an AuthUser, checking that the session is live and
 * the user enabled. The role comes from ADMIN_EMAILS at check time, so demotions apply at once.
 * Statuses are kept locally: briefly in general, longer while the bus brings this user's
 * revocations and disables (token checks then cost no I/O in a reconnect storm).
 */
@Injectable()
export class SessionValidator implements OnModuleDestroy {
  private readonly local = new Map<string, LocalStatus>();
  /**
   * The AuthUser of each session with a local status, shared by every socket and request of the
   * session (an operator's nodes connect with one token): one object per session, not per socket.
   */
  private readonly users = new Map<string, AuthUser>();
  /** Reads in flight by session id; a revocation drops its entry so later checks read afresh. */
  private readonly loading = new Map<string, Promise<CachedStatus>>();
  private readonly watches = new Map<number, Watch>();
  /** Without Redis the "shared" cache would be this process's alone: one level is enough. */
  private readonly useShared: boolean;
  /** When the bus was last seen unable to deliver: statuses cached before then get the short TTL. */
  private lastUnhealthyAt = 0;
  private readonly healthTimer: NodeJS.Timeout;
  private readonly releaseTimer: NodeJS.Timeout;

  constructor(
    private readonly sessions: AuthSessionRepository,
    private readonly shared: Cache,
    private readonly config: AppConfig,
    private readonly bus: EventBus,
  ) {
    this.useShared = config.redis.url !== null;
    this.healthTimer = setInterval(() => this.sampleHealth(Date.now()), HEALTH_SAMPLE_MS);
    this.healthTimer.unref();
    // A drop of the subscriber connection shorter than a health sample still loses revocations.
    bus.onDeliveryGap(() => (this.lastUnhealthyAt = Date.now()));
    this.releaseTimer = setInterval(() => this.releaseIdle(Date.now()), TRUSTED_TTL_MS);
    this.releaseTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.healthTimer);
    clearInterval(this.releaseTimer);
    this.forgetAll();
  }

  /** Users this instance listens to for revocations (each holds a bus subscription). */
  watchedUserCount(): number {
    return this.watches.size;
  }

  /** Forgets statuses no longer trusted and stops listening to users with none left. */
  releaseIdle(now: number): void {
    for (const [userId, watch] of this.watches) {
      for (const sessionId of watch.sessions) {
        const local = this.local.get(sessionId);
        if (local === undefined || now - local.cachedAt >= TRUSTED_TTL_MS) {
          this.local.delete(sessionId);
          this.users.delete(sessionId);
          watch.sessions.delete(sessionId);
        }
      }
      if (watch.sessions.size > 0) continue;
      watch.unsubscribe();
      this.watches.delete(userId);
    }
  }

  async authenticate(claims: AccessTokenClaims): Promise<AuthUser> {
    return this.userOf(claims, await this.statusOf(claims.sid));
  }

  /**
   * authenticate() without I/O or a promise when this instance holds a trusted status for the
   * session (the bearer guard's fast path); undefined when the status must be read.
   */
  authenticateLocally(claims: AccessTokenClaims): AuthUser | undefined {
    const now = Date.now();
    this.sampleHealth(now);
    const local = this.local.get(claims.sid);
    if (local === undefined || now - local.cachedAt >= this.trustOf(local)) return undefined;
    return this.userOf(claims, effectiveStatus(local.cached, now));
  }

  private userOf(claims: AccessTokenClaims, status: SessionStatus | null): AuthUser {
    if (status === null || status.userId !== claims.sub) throw DashboardError.unauthorized('Invalid access token');
    if (!status.active) throw new DashboardError(DashboardErrorType.SessionExpired, 'Session has ended; log in again');
    const role = this.roleOf(status.email);
    const known = this.users.get(claims.sid);
    if (known !== undefined && known.userId === status.userId && known.role === role) return known;
    const user: AuthUser = { userId: status.userId, sessionId: claims.sid, role };
    if (this.users.size >= MAX_CACHED) this.users.clear();
    this.users.set(claims.sid, user);
    return user;
  }

  roleOf(email: string): Role {
    return this.config.auth.adminEmails.includes(email.toLowerCase()) ? 'admin' : 'user';
  }

  /**
   * After revoking sessions of a user: forget them here and in the shared cache, and tell every
   * instance (`session.revoked`), so none keeps trusting its local copy.
   */
  async invalidate(userId: number | null, sessionIds: readonly string[]): Promise<void> {
    for (const sessionId of sessionIds) this.forget(sessionId);
    if (this.useShared) await Promise.all(sessionIds.map((sessionId) => this.shared.delete(cacheKey(sessionId))));
    if (userId !== null && sessionIds.length > 0) {
      await this.bus.publishAfterCommit({ type: 'session.revoked', userIds: [userId], sessionIds });
    }
  }

  private async statusOf(sessionId: string): Promise<SessionStatus | null> {
    const now = Date.now();
    this.sampleHealth(now);
    const local = this.local.get(sessionId);
    let cached = local !== undefined && now - local.cachedAt < this.trustOf(local) ? local.cached : undefined;
    if (cached === undefined) {
      // A node operator's sockets reconnect together with one token: one read serves them all.
      let loading = this.loading.get(sessionId);
      if (loading === undefined) {
        loading = this.load(sessionId, now).finally(() => {
          if (this.loading.get(sessionId) === loading) this.loading.delete(sessionId);
        });
        this.loading.set(sessionId, loading);
      }
      cached = await loading;
    }
    return effectiveStatus(cached, now);
  }

  private async load(sessionId: string, now: number): Promise<CachedStatus> {
    let cached = this.useShared ? await this.shared.get<CachedStatus>(cacheKey(sessionId)) : undefined;
    if (cached === undefined) {
      const status = await this.sessions.status(sessionId);
      cached = { status, expiresAt: status === null ? now + SHARED_TTL_MS : new Date(status.expiresAt).getTime() };
      if (this.useShared) await this.shared.set(cacheKey(sessionId), cached, SHARED_TTL_MS);
    }
    if (this.local.size >= MAX_CACHED) this.forgetAll();
    this.local.set(sessionId, { cached, cachedAt: now });
    if (cached.status !== null) this.watch(cached.status.userId, sessionId, now);
    return cached;
  }

  /** The long TTL only for a status cached while this user's revocations surely reach here. */
  private trustOf(local: LocalStatus): number {
    const userId = local.cached.status?.userId;
    const watch = userId === undefined ? undefined : this.watches.get(userId);
    const trusted =
      watch !== undefined &&
      local.cachedAt >= watch.since + SUBSCRIBE_GRACE_MS &&
      local.cachedAt > this.lastUnhealthyAt &&
      this.bus.isHealthy() &&
      // Redis has confirmed the user's channel (the grace above covers a status cached just before).
      this.bus.isListening(userId!);
    return trusted ? TRUSTED_TTL_MS : LOCAL_TTL_MS;
  }

  private watch(userId: number, sessionId: string, now: number): void {
    let watch = this.watches.get(userId);
    if (watch === undefined) {
      watch = { since: now, sessions: new Set(), unsubscribe: this.bus.subscribeUser(userId, (event) => this.onUserEvent(userId, event)) };
      this.watches.set(userId, watch);
    }
    watch.sessions.add(sessionId);
  }

  private onUserEvent(userId: number, event: DomainEvent): void {
    const watch = this.watches.get(userId);
    if (watch === undefined) return;
    if (event.type === 'session.revoked' && Array.isArray(event.sessionIds)) {
      for (const sessionId of event.sessionIds) {
        this.forget(sessionId);
        watch.sessions.delete(sessionId);
      }
    } else if (event.type === 'user.disabled') {
      for (const sessionId of watch.sessions) this.forget(sessionId);
      watch.sessions.clear();
    }
  }

  private forget(sessionId: string): void {
    this.local.delete(sessionId);
    this.users.delete(sessionId);
    this.loading.delete(sessionId);
  }

  private sampleHealth(now: number): void {
    if (!this.bus.isHealthy()) this.lastUnhealthyAt = now;
  }

  private forgetAll(): void {
    this.local.clear();
    this.users.clear();
    this.loading.clear();
    for (const watch of this.watches.values()) watch.unsubscribe();
    this.watches.clear();
  }
}

/** A cached status as of now: a session past its expiry is no longer active. */
function effectiveStatus(cached: CachedStatus, now: number): SessionStatus | null {
  const { status } = cached;
  if (status === null) return null;
  return status.active && cached.expiresAt > now ? status : { ...status, active: false };
}

function cacheKey(sessionId: string): string {
  return `auth-session:${sessionId}`;
}
