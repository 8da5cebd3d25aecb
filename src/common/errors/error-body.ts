import { DashboardError, FieldProblem } from './dashboard-error';
import { GENERIC_MESSAGES, isServerFault } from './error-status';

export interface ErrorBody {
  error: string;
  message: string;
  request_id?: string;
  details?: readonly FieldProblem[];
}

/** The client-visible body of an error: generic text for server faults, never internals. */
export function errorBodyOf(error: DashboardError, requestId?: string): ErrorBody {
  const body: ErrorBody = {
    error: error.type,
    message: isServerFault(error.type) ? (GENERIC_MESSAGES[error.type] ?? 'Internal error') : error.message,
  };
  if (requestId !== undefined) body.request_id = requestId;
  if (error.extra.details !== undefined && error.extra.details.length > 0) body.details = error.extra.details;
  return body;
}
