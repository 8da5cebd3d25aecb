import { DashboardErrorType } from './dashboard-error-type';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `wallet_address` or `items.0.amount`. */
  readonly field: string;
  readonly problems: readonly string[];
}

/**
 * The one error services throw. Transport-neutral: the HTTP filter turns it into a status and a
 * JSON body, the WebSocket side into an Error frame (and sometimes a close code).
 */
export class DashboardError extends Error {
  constructor(
    readonly type: DashboardErrorType,
    message: string,
    readonly extra: {
      readonly details?: readonly FieldProblem[];
      /** For RateLimited: seconds until the client may retry (HTTP Retry-After). */
      readonly retryAfterSeconds?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'DashboardError';
  }

  static notFound(what: string): DashboardError {
    return new DashboardError(DashboardErrorType.EntityNotFound, `${what} not found`);
  }

  static validation(message: string, details?: readonly FieldProblem[]): DashboardError {
    return new DashboardError(DashboardErrorType.ValidationError, message, { details });
  }

  static unauthorized(message = 'Authentication required'): DashboardError {
    return new DashboardError(DashboardErrorType.Unauthorized, message);
  }

  static forbidden(message = 'You are not allowed to do this'): DashboardError {
    return new DashboardError(DashboardErrorType.Forbidden, message);
  }

  static conflict(message: string): DashboardError {
    return new DashboardError(DashboardErrorType.Conflict, message);
  }

  static rateLimited(retryAfterSeconds: number, message = 'Too many requests'): DashboardError {
    return new DashboardError(DashboardErrorType.RateLimited, message, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    });
  }
}
