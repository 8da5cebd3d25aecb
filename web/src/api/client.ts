import { accessToken, refreshSession } from '../auth/session';
import { api, ApiError, settle, type Exchange } from './http';
import type { components } from './generated/openapi';
import type { Bucket, ReferralStatus } from './types';

type Schemas = components['schemas'];
type Bearer = { headers: { Authorization: string } };

const bearer = (token: string): Bearer => ({ headers: { Authorization: `Bearer ${token}` } });

/** An authenticated call: on 401 the session is refreshed once and the call repeated. */
async function authed<T>(call: (auth: Bearer) => Promise<Exchange<T>>): Promise<T> {
  const token = accessToken();
  if (!token) throw new ApiError(401, 'Unauthorized', 'Please sign in.');
  try {
    return await settle(call(bearer(token)));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    await refreshSession(token);
    const fresh = accessToken();
    if (!fresh) throw err;
    return settle(call(bearer(fresh)));
  }
}

export const authApi = {
  register: (body: Schemas['RegisterDto']) => settle(api.POST('/api/auth/register', { body })),
  login: (body: Schemas['LoginDto']) => settle(api.POST('/api/auth/login', { body })),
  logout: (refresh_token: string) => settle(api.POST('/api/auth/logout', { body: { refresh_token } })),
};

export const userApi = {
  me: () => authed((auth) => api.GET('/api/user/me', auth)),
  update: (body: Schemas['UpdateMeDto']) => authed((auth) => api.PATCH('/api/user/me', { ...auth, body })),
  walletChallenge: (body: Schemas['WalletChallengeDto']) => authed((auth) => api.POST('/api/user/wallet/challenge', { ...auth, body })),
  linkWallet: (body: Schemas['LinkWalletDto']) => authed((auth) => api.POST('/api/user/wallet', { ...auth, body })),
};

export const settlementApi = {
  epochs: (cursor?: string | null) =>
    authed((auth) => api.GET('/api/settlement/epochs', { ...auth, params: { query: { limit: 20, cursor: cursor ?? undefined } } })),
  proof: (epoch: number) => authed((auth) => api.GET('/api/settlement/epochs/{epoch}/proof', { ...auth, params: { path: { epoch } } })),
};

export const networksApi = {
  list: () => authed((auth) => api.GET('/api/networks', auth)),
};

export const earningsApi = {
  summary: () => authed((auth) => api.GET('/api/earnings/summary', auth)),
  timeseries: (bucket: Bucket, from?: string, to?: string) =>
    authed((auth) => api.GET('/api/earnings/timeseries', { ...auth, params: { query: { bucket, from, to } } })),
};

export const referralsApi = {
  summary: () => authed((auth) => api.GET('/api/referrals/summary', auth)),
  list: (query: { status?: ReferralStatus; limit?: number; cursor?: string | null }) =>
    authed((auth) =>
      api.GET('/api/referrals', { ...auth, params: { query: { ...query, cursor: query.cursor ?? undefined } } }),
    ),
};

export const adminApi = {
  users: (query: { q?: string; limit?: number; cursor?: string | null }) =>
    authed((auth) => api.GET('/api/admin/users', { ...auth, params: { query: { ...query, cursor: query.cursor ?? undefined } } })),
  bonus: (id: number, body: Schemas['GrantBonusDto']) =>
    authed((auth) => api.POST('/api/admin/users/{id}/bonus', { ...auth, params: { path: { id } }, body })),
  disable: (id: number) => authed((auth) => api.POST('/api/admin/users/{id}/disable', { ...auth, params: { path: { id } } })),
};

export const notificationsApi = {
  list: (query: { unread?: boolean; limit?: number; cursor?: string | null }) =>
    authed((auth) =>
      api.GET('/api/notifications', {
        ...auth,
        params: { query: { unread: query.unread || undefined, limit: query.limit, cursor: query.cursor ?? undefined } },
      }),
    ),
  markRead: (body: Schemas['MarkReadDto']) => authed((auth) => api.POST('/api/notifications/read', { ...auth, body })),
  preferences: () => authed((auth) => api.GET('/api/notifications/preferences', auth)),
  updatePreferences: (preferences: Schemas['UpdatePreferencesDto']['preferences']) =>
    authed((auth) => api.PUT('/api/notifications/preferences', { ...auth, body: { preferences } })),
  webhook: () => authed((auth) => api.GET('/api/notifications/webhook', auth)),
  putWebhook: (url: string) => authed((auth) => api.PUT('/api/notifications/webhook', { ...auth, body: { url } })),
  removeWebhook: () => authed((auth) => api.DELETE('/api/notifications/webhook', auth)),
  testWebhook: () => authed((auth) => api.POST('/api/notifications/webhook/test', auth)),
  deliveries: () => authed((auth) => api.GET('/api/notifications/webhook/deliveries', { ...auth, params: { query: { limit: 20 } } })),
};
