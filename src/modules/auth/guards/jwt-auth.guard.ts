import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DashboardError } from '../../../common/errors';
import { AuthUser } from '../auth-user';
import { SessionValidator } from '../session-validator.service';
import { TokenService } from '../token.service';
import { IS_PUBLIC } from './public.decorator';

/** `Bearer <token>`, the scheme in any case (what passport-jwt's bearer extractor accepted). */
const BEARER = /(\S+)\s+(\S+)/;

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(). The token's
 * signature and expiry are checked by TokenService (once per token), the session on every request.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** Whether a handler is public, read from its metadata once. */
  private readonly isPublic = new WeakMap<object, boolean>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly sessions: SessionValidator,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.handlerIsPublic(context)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const token = bearerTokenOf(request.headers.authorization);
    if (token === null) throw DashboardError.unauthorized('Authentication required');
    // Fast path, without a promise: a token verified before, a session status trusted locally.
    const claims = this.tokens.verifiedBefore(token);
    const user = claims === undefined ? undefined : this.sessions.authenticateLocally(claims);
    if (user === undefined) return this.authenticate(request, token);
    request.user = user;
    return true;
  }

  private async authenticate(request: FastifyRequest & { user?: AuthUser }, token: string): Promise<boolean> {
    request.user = await this.sessions.authenticate(await this.tokens.verifyAccess(token));
    return true;
  }

  private handlerIsPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let isPublic = this.isPublic.get(handler);
    if (isPublic === undefined) {
      isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, context.getClass()]) === true;
      this.isPublic.set(handler, isPublic);
    }
    return isPublic;
  }
}

/** The token of an `Authorization: Bearer <token>` header; null when there is none. */
export function bearerTokenOf(header: string | undefined): string | null {
  if (header === undefined || header === '') return null;
  const match = BEARER.exec(header);
  return match !== null && match[1]!.toLowerCase() === 'bearer' ? match[2]! : null;
}
