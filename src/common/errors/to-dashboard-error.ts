import { HttpException } from '@nestjs/common';
import { DashboardError } from './dashboard-error';
import { DashboardErrorType } from './dashboard-error-type';

/** Error codes of node's network layer and of the pg driver that mean "the database is unreachable". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'connect ECONNREFUSED',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];

/**
 * Turns anything thrown into a DashboardError. Domain errors pass through; framework and driver
 * errors are classified; everything else is an InternalError (its details go to the log only).
 */
export function toDashboardError(error: unknown): DashboardError {
  if (error instanceof DashboardError) return error;

  if (error instanceof HttpException) return fromHttpException(error);

  const candidate = error as { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown };
  const code = typeof candidate?.code === 'string' ? candidate.code : undefined;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';

  // Fastify's own request errors (body parsing, content type, size) carry a 4xx statusCode.
  if (code?.startsWith('FST_') && typeof candidate.statusCode === 'number' && candidate.statusCode < 500) {
    return fromFastifyError(code, candidate.statusCode, error);
  }

  // The client went away in the middle of sending its request (node's http server reports
  // "aborted" with ECONNRESET). Its own doing, not an unreachable dependency; nobody reads the answer.
  if (code === 'ECONNRESET' && message === 'aborted') {
    return new DashboardError(DashboardErrorType.ValidationError, 'Request aborted before its body was received', {
      cause: error,
    });
  }

  if (
    (code !== undefined && UNREACHABLE_CODES.has(code)) ||
    UNREACHABLE_MESSAGES.some((fragment) => message.includes(fragment))
  ) {
    return new DashboardError(DashboardErrorType.ServiceUnavailable, 'Service temporarily unavailable', {
      cause: error,
    });
  }

  if (candidate?.name === 'QueryFailedError' || (code !== undefined && /^[0-9A-Z]{5}$/.test(code))) {
    return new DashboardError(DashboardErrorType.DatabaseError, 'Database error', { cause: error });
  }

  return new DashboardError(DashboardErrorType.InternalError, 'Internal error', { cause: error });
}

function fromHttpException(error: HttpException): DashboardError {
  const status = error.getStatus();
  const message = error.message;
  switch (status) {
    case 400:
      return new DashboardError(DashboardErrorType.ValidationError, message, { cause: error });
    case 401:
      return new DashboardError(DashboardErrorType.Unauthorized, 'Authentication required', { cause: error });
    case 403:
      return new DashboardError(DashboardErrorType.Forbidden, 'You are not allowed to do this', { cause: error });
    case 404:
      return new DashboardError(DashboardErrorType.EntityNotFound, 'Route not found', { cause: error });
    case 405:
      return new DashboardError(DashboardErrorType.EntityNotFound, 'Route not found', { cause: error });
    case 409:
      return new DashboardError(DashboardErrorType.Conflict, message, { cause: error });
    case 413:
      return new DashboardError(DashboardErrorType.ValidationError, 'Request body is too large', { cause: error });
    case 415:
      return new DashboardError(DashboardErrorType.ValidationError, 'Unsupported content type; send application/json', {
        cause: error,
      });
    case 429:
      return DashboardError.rateLimited(60);
    case 503:
      return new DashboardError(DashboardErrorType.ServiceUnavailable, 'Service temporarily unavailable', {
        cause: error,
      });
    default:
      return status < 500
        ? new DashboardError(DashboardErrorType.ValidationError, message, { cause: error })
        : new DashboardError(DashboardErrorType.InternalError, 'Internal error', { cause: error });
  }
}

function fromFastifyError(code: string, statusCode: number, cause: unknown): DashboardError {
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new DashboardError(DashboardErrorType.ValidationError, 'Request body is too large', { cause });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new DashboardError(DashboardErrorType.ValidationError, 'Unsupported content type; send application/json', {
      cause,
    });
  }
  if (code.startsWith('FST_ERR_CTP')) {
    return new DashboardError(DashboardErrorType.ValidationError, 'Request body is not valid JSON', { cause });
  }
  if (statusCode === 404) {
    return new DashboardError(DashboardErrorType.EntityNotFound, 'Route not found', { cause });
  }
  return new DashboardError(DashboardErrorType.ValidationError, 'Malformed request', { cause });
}
