import { assertUnreachable } from './assert-unreachable';
import { DashboardErrorType } from './dashboard-error-type';

/** The one mapping from error type to HTTP status; exhaustive, so a new type cannot default to 500. */
export function httpStatusOf(type: DashboardErrorType): number {
  switch (type) {
    case DashboardErrorType.Unauthorized:
    case DashboardErrorType.InvalidCredentials:
    case DashboardErrorType.SessionExpired:
      return 401;
    case DashboardErrorType.Forbidden:
      return 403;
    case DashboardErrorType.EntityNotFound:
      return 404;
    case DashboardErrorType.Conflict:
      return 409;
    case DashboardErrorType.ValidationError:
    case DashboardErrorType.MessageParseError:
    case DashboardErrorType.InvalidNetworkData:
      return 400;
    case DashboardErrorType.RateLimited:
      return 429;
    case DashboardErrorType.ReferralProcessingError:
    case DashboardErrorType.ConnectionError:
    case DashboardErrorType.ConnectionClosed:
    case DashboardErrorType.DatabaseError:
    case DashboardErrorType.InternalError:
      return 500;
    case DashboardErrorType.ServiceUnavailable:
      return 503;
    default:
      return assertUnreachable(type);
  }
}

/** Server faults get a fixed message: nothing internal (SQL, stack, host names) reaches a client. */
export function isServerFault(type: DashboardErrorType): boolean {
  return httpStatusOf(type) >= 500;
}

export const GENERIC_MESSAGES: Readonly<Partial<Record<DashboardErrorType, string>>> = {
  [DashboardErrorType.ReferralProcessingError]: 'Referral accounting failed; please retry later',
  [DashboardErrorType.ConnectionError]: 'Connection error',
  [DashboardErrorType.ConnectionClosed]: 'Connection closed',
  [DashboardErrorType.DatabaseError]: 'A database error occurred; please retry later',
  [DashboardErrorType.InternalError]: 'An internal error occurred',
  [DashboardErrorType.ServiceUnavailable]: 'Service temporarily unavailable; please retry later',
};
