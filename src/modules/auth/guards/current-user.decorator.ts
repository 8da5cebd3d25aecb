import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthUser } from '../auth-user';

/** The authenticated caller, set by the JWT guard. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  return (context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>()).user;
});
