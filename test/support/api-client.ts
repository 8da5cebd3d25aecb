import { nanoid } from 'nanoid';
import { TestApp } from './test-app';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Small fetch wrapper for the REST API: JSON in, JSON out, optional bearer token. */
export async function api<T = any>(
  app: Pick<TestApp, 'url'>,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${app.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Non-JSON bodies (metrics, HTML) stay text.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface RegisteredUser {
  id: number;
  email: string;
  username: string;
  password: string;
  referralCode: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers a fresh user (unique email and username) and returns it with its tokens. */
export async function registerUser(
  app: Pick<TestApp, 'url'>,
  overrides: { email?: string; username?: string; password?: string; referral_code?: string } = {},
): Promise<RegisteredUser> {
  const suffix = nanoid(8).replace(/[^A-Za-z0-9]/g, '0');
  const payload = {
    email: overrides.email ?? `user_${suffix}@example.com`,
    username: overrides.username ?? `user_${suffix}`,
    password: overrides.password ?? 'correct horse battery',
    ...(overrides.referral_code === undefined ? {} : { referral_code: overrides.referral_code }),
  };
  const response = await api(app, 'POST', '/api/auth/register', { body: payload });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    id: response.body.user.id,
    email: payload.email.toLowerCase(),
    username: payload.username,
    password: payload.password,
    referralCode: response.body.user.referral_code,
    accessToken: response.body.access_token,
    refreshToken: response.body.refresh_token,
  };
}
