import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { DashboardErrorType, httpStatusOf } from '../common/errors';
import { ErrorBodyResponse } from './error-body.response';

/** Client-error statuses a route may declare; 500 and 503 are declared on every route. */
export type ClientErrorStatus = 400 | 401 | 403 | 404 | 409 | 429;

/** One documented error status: the error types a client can see there, and when. */
export interface ErrorCase {
  readonly status: ClientErrorStatus;
  readonly errors: readonly DashboardErrorType[];
  readonly when: string;
}

const T = DashboardErrorType;

/** What each status usually means on a route; a route passes an ErrorCase where it differs. */
const TYPICAL: Record<ClientErrorStatus, ErrorCase> = {
  400: {
    status: 400,
    errors: [T.ValidationError],
    when: 'the body, query or a path parameter fails validation (unknown fields are rejected); `details` lists the problems per field',
  },
  401: {
    status: 401,
    errors: [T.Unauthorized, T.SessionExpired],
    when: 'missing or invalid access token (Unauthorized); expired access token or ended session (SessionExpired): refresh, then retry',
  },
  403: { status: 403, errors: [T.Forbidden], when: 'authenticated, but not an administrator' },
  404: { status: 404, errors: [T.EntityNotFound], when: 'unknown id, or an id that belongs to another user' },
  409: { status: 409, errors: [T.Conflict], when: 'email or username already taken' },
  429: {
    status: 429,
    errors: [T.RateLimited],
    when: 'too many requests; retry after the number of seconds in `Retry-After`',
  },
};

const SERVER_FAULTS = [
  { status: 500, errors: [T.InternalError, T.DatabaseError], when: 'server fault (the message is generic)' },
  { status: 503, errors: [T.ServiceUnavailable], when: 'a dependency is down or the instance is shutting down; retry later' },
] as const;

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds until the client may retry', schema: { type: 'integer', minimum: 1 } },
};

/**
 * Declares the error responses of a route, all with the ErrorBody schema: the given client errors
 * (a status alone takes its typical meaning) plus 500 and 503, which any route can answer.
 */
export function ApiErrors(...cases: ReadonlyArray<ClientErrorStatus | ErrorCase>): MethodDecorator {
  const documented = [...cases.map((c) => (typeof c === 'number' ? TYPICAL[c] : c)), ...SERVER_FAULTS];
  return applyDecorators(
    ...documented.map(({ status, errors, when }) => {
      const wrong = errors.filter((type) => httpStatusOf(type) !== status);
      if (wrong.length > 0) throw new Error(`ApiErrors: ${wrong.join(', ')} is not answered with ${status}`);
      return ApiResponse({
        status,
        description: `${errors.map((type) => `\`${type}\``).join(' or ')}: ${when}`,
        type: ErrorBodyResponse,
        ...(status === 429 ? { headers: RETRY_AFTER } : {}),
      });
    }),
  );
}
