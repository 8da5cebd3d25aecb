export { assertUnreachable } from './assert-unreachable';
export { DashboardError, type FieldProblem } from './dashboard-error';
export { DashboardErrorType } from './dashboard-error-type';
export { httpStatusOf, isServerFault } from './error-status';
export { errorBodyOf, type ErrorBody } from './error-body';
export { toDashboardError } from './to-dashboard-error';
export { HttpExceptionFilter } from './http-exception.filter';
export { errorFrameOf, WsExceptionFilter, type ErrorFrame } from './ws-exception.filter';
