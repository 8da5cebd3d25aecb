import { accessToken, refreshSession } from '../auth/session';
import { ApiError, rawRequest, type Method } from './http';
import type {
  AdminUser,
  AuthResponse,
  NotificationPage,
  Preference,
  WebhookDelivery,
  WebhookEndpoint,
  Bucket,
  Earnings,
  EarningsData,
  NetworkConnection,
  Page,
  Referral,
  ReferralData,
  ReferralStatus,
  Timeseries,
  User,
} from './types';

/** An authenticated request: on 401 the session is refreshed once and the request retried. */
async function authed<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const token = accessToken();
  if (!token) throw new ApiError(401, 'Unauthorized', 'Please sign in.');
  try {
    return await rawRequest<T>(method, path, body, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    await refreshSession(token);
    const fresh = accessToken();
    if (!fresh) throw err;
    return rawRequest<T>(method, path, body, fresh);
  }
}

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const authApi = {
  register: (body: { email: string; username: string; password: string; referral_code?: string }) =>
    rawRequest<AuthResponse>('POST', '/api/auth/register', body),
  login: (body: { email: string; password: string }) => rawRequest<AuthResponse>('POST', '/api/auth/login', body),
  logout: (refresh_token: string) => rawRequest<void>('POST', '/api/auth/logout', { refresh_token }),
};

export const userApi = {
  me: () => authed<User>('GET', '/api/user/me'),
  update: (body: { username?: string; wallet_address?: string | null }) => authed<User>('PATCH', '/api/user/me', body),
};

export const networksApi = {
  list: () => authed<{ items: NetworkConnection[] }>('GET', '/api/networks'),
};

export const earningsApi = {
  summary: () => authed<EarningsData>('GET', '/api/earnings/summary'),
  timeseries: (bucket: Bucket, from?: string, to?: string) =>
    authed<Timeseries>('GET', `/api/earnings/timeseries${query({ bucket, from, to })}`),
  list: (params: { source?: string; limit?: number; cursor?: string }) =>
    authed<Page<Earnings>>('GET', `/api/earnings${query(params)}`),
};

export const referralsApi = {
  summary: () => authed<ReferralData>('GET', '/api/referrals/summary'),
  list: (params: { status?: ReferralStatus; limit?: number; cursor?: string | null }) =>
    authed<Page<Referral>>('GET', `/api/referrals${query(params)}`),
};

export const adminApi = {
  users: (params: { q?: string; limit?: number; cursor?: string | null }) =>
    authed<Page<AdminUser>>('GET', `/api/admin/users${query(params)}`),
  bonus: (id: number, body: { amount: number; reason: string }) =>
    authed<Earnings>('POST', `/api/admin/users/${id}/bonus`, body),
  disable: (id: number) => authed<void>('POST', `/api/admin/users/${id}/disable`),
};

export const notificationsApi = {
  list: (params: { unread?: boolean; limit?: number; cursor?: string | null }) =>
    authed<NotificationPage>('GET', `/api/notifications${query({ ...params, unread: params.unread ? 'true' : undefined })}`),
  markRead: (body: { ids: number[] } | { all: true }) => authed<void>('POST', '/api/notifications/read', body),
  preferences: () => authed<{ preferences: Preference[] }>('GET', '/api/notifications/preferences'),
  updatePreferences: (preferences: Array<Partial<Preference> & Pick<Preference, 'type'>>) =>
    authed<{ preferences: Preference[] }>('PUT', '/api/notifications/preferences', { preferences }),
  webhook: () => authed<WebhookEndpoint>('GET', '/api/notifications/webhook'),
  putWebhook: (url: string) => authed<{ url: string; secret: string }>('PUT', '/api/notifications/webhook', { url }),
  removeWebhook: () => authed<void>('DELETE', '/api/notifications/webhook'),
  testWebhook: () => authed<void>('POST', '/api/notifications/webhook/test'),
  deliveries: () => authed<Page<WebhookDelivery>>('GET', '/api/notifications/webhook/deliveries?limit=20'),
};
