import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DashboardError, DashboardErrorType } from '../../../common/errors';
import { AuthUser } from '../auth-user';
import { IS_PUBLIC } from './public.decorator';

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic === true ? true : super.canActivate(context);
  }

  override handleRequest<T = AuthUser>(error: unknown, user: T | false, info: unknown): T {
    if (error instanceof DashboardError) throw error;
    if ((info as Error | undefined)?.name === 'TokenExpiredError') {
      throw new DashboardError(DashboardErrorType.SessionExpired, 'Access token expired');
    }
    if (error !== null && error !== undefined) throw error;
    if (user === false || user === null || user === undefined) {
      const missing = info === undefined || (info as Error).message === 'No auth token';
      throw DashboardError.unauthorized(missing ? 'Authentication required' : 'Invalid access token');
    }
    return user;
  }
}
