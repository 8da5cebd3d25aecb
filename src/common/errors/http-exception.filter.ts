import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBodyOf } from './error-body';
import { httpStatusOf } from './error-status';
import { toDashboardError } from './to-dashboard-error';

/**
 * Global HTTP filter: every error leaves as `{error, message, request_id[, details]}` with the
 * status of its type. Server faults are logged with their cause and answered generically.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toDashboardError(exception);
    const status = httpStatusOf(error.type);

    if (status >= 500) {
      const cause = error.extra.cause ?? exception;
      this.logger.error(
        { err: cause, reqId: request.id, type: error.type },
        `${request.method} ${request.url} failed: ${error.type}`,
      );
    }
    if (reply.sent) return;
    if (error.extra.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(error.extra.retryAfterSeconds));
    }
    void reply.status(status).type('application/json; charset=utf-8').send(errorBodyOf(error, request.id));
  }
}
