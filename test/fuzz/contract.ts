import { unpack } from 'msgpackr';
import { DashboardErrorType, httpStatusOf } from '../../src/common/errors';

/**
 * What the contract (API.md) lets hostile input produce, as checks that return a problem or null.
 * A fuzz run collects every problem with the case that caused it.
 */

/** Errors a client's own bad input may cause over HTTP (never a server fault). */
export const CLIENT_ERROR_TYPES: ReadonlySet<string> = new Set([
  DashboardErrorType.Unauthorized,
  DashboardErrorType.InvalidCredentials,
  DashboardErrorType.SessionExpired,
  DashboardErrorType.Forbidden,
  DashboardErrorType.EntityNotFound,
  DashboardErrorType.Conflict,
  DashboardErrorType.ValidationError,
  DashboardErrorType.RateLimited,
]);

/** Error frames hostile WebSocket input may cause. */
export const WS_ERROR_TYPES: ReadonlySet<string> = new Set([
  DashboardErrorType.MessageParseError,
  DashboardErrorType.InvalidNetworkData,
  DashboardErrorType.Unauthorized,
  DashboardErrorType.SessionExpired,
  DashboardErrorType.RateLimited,
]);

export const SERVER_FRAME_TYPES: ReadonlySet<string> = new Set([
  'Connected',
  'NetworkUpdate',
  'EarningsUpdate',
  'ReferralUpdate',
  'NotificationUpdate',
  'Notification',
  'NodeUpdate',
  'Heartbeat',
  'Error',
  'Disconnect',
]);

/** Frames that answer one client frame (updates arrive on their own schedule). */
export const DIRECT_REPLY_TYPES: ReadonlySet<string> = new Set(['Connected', 'Heartbeat', 'Error']);

export interface DecodedFrame {
  type: string;
  payload?: Record<string, unknown>;
}

/** Decodes and checks one server frame; returns the frame or a problem. */
export function checkServerFrame(
  data: Buffer,
  isBinary: boolean,
  format: 'json' | 'msgpack',
): { frame: DecodedFrame } | { problem: string } {
  if (isBinary !== (format === 'msgpack')) return { problem: `a ${isBinary ? 'binary' : 'text'} frame on a ${format} socket` };
  let value: unknown;
  try {
    value = isBinary ? unpack(data) : JSON.parse(data.toString('utf8'));
  } catch {
    return { problem: `undecodable server frame ${data.subarray(0, 60).toString('hex')}` };
  }
  const frame = value as DecodedFrame;
  if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string' || !SERVER_FRAME_TYPES.has(frame.type)) {
    return { problem: `unknown server frame ${JSON.stringify(value)?.slice(0, 200)}` };
  }
  if (frame.type === 'Error') {
    const error = frame.payload?.error;
    const message = frame.payload?.message;
    if (typeof error !== 'string' || !WS_ERROR_TYPES.has(error) || typeof message !== 'string' || message === '') {
      return { problem: `Error frame outside the contract for client input: ${JSON.stringify(frame.payload)}` };
    }
  }
  return { frame };
}

export interface HttpOutcome {
  status: number;
  headers: Headers;
  text: string;
}

/** Checks one REST response: 2xx, or 4xx with the contract's body; never 5xx. */
export function checkHttpResponse(outcome: HttpOutcome): string | null {
  const { status, headers, text } = outcome;
  if (status >= 500) return `HTTP ${status}: ${text.slice(0, 300)}`;
  const requestId = headers.get('x-request-id');
  if (requestId === null || requestId === '') return `HTTP ${status} without x-request-id`;
  if (status < 400) return null;
  let body: { error?: unknown; message?: unknown; request_id?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `HTTP ${status} with a non-JSON body: ${text.slice(0, 200)}`;
  }
  if (typeof body.error !== 'string' || !CLIENT_ERROR_TYPES.has(body.error)) {
    return `HTTP ${status} with error ${JSON.stringify(body.error)} outside the contract`;
  }
  if (httpStatusOf(body.error as DashboardErrorType) !== status) return `HTTP ${status} carrying ${body.error}`;
  if (typeof body.message !== 'string' || body.message === '') return `HTTP ${status} without a message`;
  if (body.request_id !== requestId) return `HTTP ${status}: request_id ${String(body.request_id)} ≠ header ${requestId}`;
  if (/(SELECT|INSERT|UPDATE|relation|syntax error|at .*\.(js|ts):\d+)/.test(body.message)) {
    return `HTTP ${status} leaks internals: ${body.message}`;
  }
  return null;
}

/** A problem found by a fuzz case, with enough to replay it. */
export interface Finding {
  readonly area: 'ws' | 'ws-raw' | 'rest' | 'http-raw' | 'process';
  readonly problem: string;
  readonly input: string;
}

export function describeBytes(data: Buffer | string, max = 160): string {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const printable = /^[\x20-\x7e]*$/.test(buffer.subarray(0, max).toString('latin1'));
  const head = printable ? JSON.stringify(buffer.subarray(0, max).toString('latin1')) : `hex:${buffer.subarray(0, max).toString('hex')}`;
  return buffer.length > max ? `${head}… (${buffer.length} bytes)` : head;
}
