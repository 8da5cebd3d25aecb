import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DashboardError } from './dashboard-error';
import { DashboardErrorType } from './dashboard-error-type';
import { errorBodyOf } from './error-body';
import { httpStatusOf } from './error-status';
import { toDashboardError } from './to-dashboard-error';
import { errorFrameOf } from './ws-exception.filter';

describe('error taxonomy', () => {
  it('maps every type of API.md to its status', () => {
    const expected: Record<DashboardErrorType, number> = {
      Unauthorized: 401,
      InvalidCredentials: 401,
      SessionExpired: 401,
      Forbidden: 403,
      EntityNotFound: 404,
      Conflict: 409,
      ValidationError: 400,
      MessageParseError: 400,
      InvalidNetworkData: 400,
      ReferralProcessingError: 500,
      RateLimited: 429,
      ConnectionError: 500,
      ConnectionClosed: 500,
      DatabaseError: 500,
      InternalError: 500,
      ServiceUnavailable: 503,
    };
    for (const type of Object.values(DashboardErrorType)) {
      expect([type, httpStatusOf(type)]).toEqual([type, expected[type]]);
    }
  });

  it('keeps client errors readable and makes server faults generic', () => {
    const conflict = errorBodyOf(DashboardError.conflict('Username already taken'), 'req-1');
    expect(conflict).toEqual({ error: 'Conflict', message: 'Username already taken', request_id: 'req-1' });

    const fault = new DashboardError(DashboardErrorType.DatabaseError, 'relation "users" does not exist at db-7.internal');
    const body = errorBodyOf(fault);
    expect(body.error).toBe('DatabaseError');
    expect(body.message).not.toMatch(/relation|users|db-7/);
  });

  it('classifies framework and driver errors', () => {
    expect(toDashboardError(new NotFoundException()).type).toBe('EntityNotFound');
    expect(toDashboardError(new BadRequestException('bad')).type).toBe('ValidationError');
    expect(toDashboardError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).type).toBe('ServiceUnavailable');
    // A client that aborts its own request is not a dependency outage.
    expect(toDashboardError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })).type).toBe('ValidationError');
    expect(toDashboardError(Object.assign(new Error('syntax'), { code: '42601' })).type).toBe('DatabaseError');
    expect(
      toDashboardError(Object.assign(new Error('Body is not valid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }))
        .type,
    ).toBe('ValidationError');
    expect(toDashboardError(new TypeError('undefined is not a function')).type).toBe('InternalError');
    expect(toDashboardError('a string').type).toBe('InternalError');
  });

  it('builds WebSocket Error frames', () => {
    expect(errorFrameOf(DashboardError.unauthorized('Token expired'))).toEqual({
      type: 'Error',
      payload: { error: 'Unauthorized', message: 'Token expired' },
    });
    expect(errorFrameOf(new Error('secret internals')).payload).toEqual({
      error: 'InternalError',
      message: 'An internal error occurred',
    });
  });

  it('carries Retry-After for rate limits, at least one second', () => {
    expect(DashboardError.rateLimited(0.2).extra.retryAfterSeconds).toBe(1);
    expect(DashboardError.rateLimited(61.5).extra.retryAfterSeconds).toBe(62);
  });
});
