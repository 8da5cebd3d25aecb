import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { DashboardError } from '../errors';

/**
 * Unknown fields are rejected everywhere, query strings included. Routes with a query DTO get
 * that from validation (forbidNonWhitelisted); this guard covers the routes that take no query
 * at all, where Nest would otherwise ignore whatever is sent.
 */
@Injectable()
export class UnknownQueryGuard implements CanActivate {
  private readonly takesQuery = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const query = context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown> | undefined;
    if (query === undefined || query === null || Object.keys(query).length === 0) return true;
    if (this.routeTakesQuery(context)) return true;
    throw DashboardError.validation(
      'This route takes no query parameters',
      Object.keys(query).map((field) => ({ field, problems: [`property ${field} should not exist`] })),
    );
  }

  private routeTakesQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let takes = this.takesQuery.get(handler);
    if (takes === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      takes = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.QUERY}:`));
      this.takesQuery.set(handler, takes);
    }
    return takes;
  }
}
