import createClient from 'openapi-fetch';
import type { paths } from './generated/openapi';
import type { ErrorBody } from './types';

/** An API failure carrying the server's `{error, message, details?}` body (or a local stand-in). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection and try again.';

/**
 * The REST API, typed by the OpenAPI document (./generated/openapi.ts): paths, parameters, bodies
 * and responses are checked at compile time. Same origin; no cookies, no CORS.
 */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin', headers: { Accept: 'application/json' } });

/** What an openapi-fetch call resolves to: `data` on 2xx, `error` (the parsed body) otherwise. */
export interface Exchange<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/** The body of a successful exchange, or an `ApiError` from the server's `{error, message, details}`. */
export async function settle<T>(exchange: Promise<Exchange<T>>): Promise<T> {
  let result: Exchange<T>;
  try {
    result = await exchange;
  } catch {
    throw new ApiError(0, 'NetworkError', NETWORK_MESSAGE);
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;

  const requestId = response.headers.get('x-request-id') ?? undefined;
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  if (isErrorBody(error)) {
    throw new ApiError(response.status, error.error, error.message, error.details, error.request_id ?? requestId, retryAfter);
  }
  const fallback = response.status >= 500 ? 'The server had a problem. Please try again shortly.' : `Request failed (${response.status}).`;
  throw new ApiError(response.status, 'HttpError', fallback, undefined, requestId, retryAfter);
}

/** Turns any thrown value into a message fit for the page. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429 && err.retryAfterSeconds && !/\d/.test(err.message)) {
      return `${err.message} Try again in ${err.retryAfterSeconds} s.`;
    }
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

/**
 * Field-level problems from a ValidationError's `details`: this API sends `[{field, problems: [..]}]`;
 * other common shapes (strings, `{property, constraints}`, `{field, message}`, a field → message map)
 * are rendered too.
 */
export function detailLines(details: unknown): string[] {
  if (details == null) return [];
  if (typeof details === 'string') return [details];
  if (Array.isArray(details)) return details.flatMap((d) => detailLine(d));
  if (typeof details === 'object') {
    return Object.entries(details as Record<string, unknown>).map(([field, v]) =>
      `${field}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v)}`,
    );
  }
  return [String(details)];
}

function detailLine(d: unknown): string[] {
  if (typeof d === 'string') return [d];
  if (typeof d !== 'object' || d === null) return [String(d)];
  const o = d as Record<string, unknown>;
  const field = (o.field ?? o.property ?? o.path ?? o.name) as string | undefined;
  let msg: string | undefined;
  if (typeof o.message === 'string') msg = o.message;
  else if (Array.isArray(o.problems)) msg = o.problems.join(', ');
  else if (Array.isArray(o.messages)) msg = o.messages.join(', ');
  else if (o.constraints && typeof o.constraints === 'object') msg = Object.values(o.constraints as Record<string, string>).join(', ');
  if (msg) return [field && !msg.toLowerCase().startsWith(String(field).toLowerCase()) ? `${field}: ${msg}` : msg];
  return [JSON.stringify(d)];
}
