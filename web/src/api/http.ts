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

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection and try again.';

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/** One HTTP exchange with the API. No token handling: see `client.ts` for the authenticated path. */
export async function rawRequest<T>(method: Method, path: string, body?: unknown, accessToken?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'NetworkError', NETWORK_MESSAGE);
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (res.ok) return parsed as T;

  const requestId = res.headers.get('x-request-id') ?? undefined;
  const retryAfter = Number(res.headers.get('retry-after')) || undefined;
  if (isErrorBody(parsed)) {
    throw new ApiError(res.status, parsed.error, parsed.message, parsed.details, parsed.request_id ?? requestId, retryAfter);
  }
  const fallback = res.status >= 500 ? 'The server had a problem. Please try again shortly.' : `Request failed (${res.status}).`;
  throw new ApiError(res.status, 'HttpError', fallback, undefined, requestId, retryAfter);
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
