import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuthSessionEntity } from './entities/auth-session.entity';
import { RefreshTokenEntity } from './entities/refresh-token.entity';

export interface SessionStatus {
  userId: number;
  email: string;
  active: boolean;
  expiresAt: Date;
}

export type RotationOutcome =
  | { kind: 'rotated'; session: AuthSessionEntity }
  | { kind: 'reused'; sessionId: string }
  | { kind: 'unknown' };

/** Named queries on auth sessions and their refresh tokens. */
@Injectable()
export class AuthSessionRepository {
  constructor(
    @InjectRepository(AuthSessionEntity) private readonly sessions: Repository<AuthSessionEntity>,
    @InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>,
  ) {}

  async create(
    manager: EntityManager,
    session: Pick<AuthSessionEntity, 'id' | 'userId' | 'expiresAt' | 'userAgent' | 'ipAddress'>,
    refreshTokenHash: string,
  ): Promise<void> {
    const now = new Date();
    await manager.getRepository(AuthSessionEntity).insert({ ...session, lastUsedAt: now, createdAt: now });
    await manager.getRepository(RefreshTokenEntity).insert({ tokenHash: refreshTokenHash, sessionId: session.id });
  }

  /** Whether a session of this user was opened or used from `ip` since `since`. */
  async usedAddressSince(manager: EntityManager, userId: number, ip: string, since: Date): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT 1 FROM auth_sessions WHERE user_id = $1 AND ip_address = $2 AND GREATEST(created_at, last_used_at) >= $3 LIMIT 1`,
      [userId, ip.slice(0, 45), since],
    )) as unknown[];
    return rows.length > 0;
  }

  /** One read of what an access token's validity depends on: the session and its user. */
  async status(sessionId: string, now = new Date()): Promise<SessionStatus | null> {
    const rows = (await this.sessions.query(
      `SELECT s.user_id AS "userId", u.email AS "email", s.expires_at AS "expiresAt",
              (s.revoked_at IS NULL AND s.expires_at > $2 AND u.disabled_at IS NULL) AS "active"
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1`,
      [sessionId, now],
    )) as SessionStatus[];
    return rows[0] ?? null;
  }

  /**
   * Marks a refresh token rotated, atomically: of two concurrent presentations of one token only
   * one can rotate it, and the other is treated as reuse.
   */
  async rotate(tokenHash: string, manager: EntityManager): Promise<RotationOutcome> {
    const rotated = (await manager.query(
      `UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1 AND rotated_at IS NULL RETURNING session_id`,
      [tokenHash],
    )) as [Array<{ session_id: string }>, number];
    const sessionId = rotated[0][0]?.session_id;
    if (sessionId === undefined) {
      const known = await manager.getRepository(RefreshTokenEntity).findOneBy({ tokenHash });
      return known === null ? { kind: 'unknown' } : { kind: 'reused', sessionId: known.sessionId };
    }
    const session = await manager.getRepository(AuthSessionEntity).findOneByOrFail({ id: sessionId });
    return { kind: 'rotated', session };
  }

  async addRefreshToken(manager: EntityManager, sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await manager.getRepository(RefreshTokenEntity).insert({ tokenHash, sessionId });
    await manager.getRepository(AuthSessionEntity).update({ id: sessionId }, { lastUsedAt: new Date(), expiresAt });
  }

  findSessionIdByRefreshToken(tokenHash: string): Promise<string | null> {
    return this.tokens.findOneBy({ tokenHash }).then((token) => token?.sessionId ?? null);
  }

  /** Revokes one session; returns its user id when it was active. */
  async revoke(sessionId: string, reason: string, manager?: EntityManager): Promise<number | null> {
    const result = (await (manager ?? this.sessions.manager).query(
      `UPDATE auth_sessions SET revoked_at = now(), revoke_reason = $2
        WHERE id = $1 AND revoked_at IS NULL RETURNING user_id`,
      [sessionId, reason],
    )) as [Array<{ user_id: number }>, number];
    return result[0][0]?.user_id ?? null;
  }

  /** Revokes every live session of a user; returns their ids. */
  async revokeAllOfUser(userId: number, reason: string, manager: EntityManager): Promise<string[]> {
    const result = (await manager.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoke_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, reason],
    )) as [Array<{ id: string }>, number];
    return result[0].map((row) => row.id);
  }
}
