import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DashboardError } from '../../../common/errors';
import { AuthUser } from '../auth-user';

/** Admin routes: an authenticated non-admin gets 403 Forbidden. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
    if (user?.role !== 'admin') throw DashboardError.forbidden('Administrators only');
    return true;
  }
}
