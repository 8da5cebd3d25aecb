import { api, ApiError, settle } from '../api/http';
import type { AuthResponse } from '../api/types';

/**
 * The signed-in session: access + refresh tokens kept in localStorage, refreshed proactively at
 * REFRESH_AT of the access token's lifetime, and on demand after a 401 / WebSocket 4401.
 *
 * Refresh tokens rotate and presenting a rotated one revokes the whole session, so two tabs must
 * never refresh with the same token: refreshes are serialised across tabs with the Web Locks API
 * (where available) and a tab adopts a pair another tab already stored instead of refreshing again.
 */

const STORAGE_KEY = 'dashboard.session';
const LOCK_NAME = 'dashboard.session.refresh';
/** Fraction of `expires_in` after which the access token is refreshed proactively. */
const REFRESH_AT = 0.8;
/** Never schedule a proactive refresh sooner than this (ms). */
const MIN_REFRESH_DELAY_MS = 5_000;
/** Retry delay after a refresh failed for a transient reason (network, 5xx, 429) (ms). */
const RETRY_DELAY_MS = 15_000;

interface StoredSession {
  access_token: string;
  refresh_token: string;
  /** When the access token was received (epoch ms). */
  issued_at: number;
  /** Access-token lifetime (s). */
  expires_in: number;
}

export type SessionEndReason = 'logout' | 'expired';
type Listener = (event: { kind: 'refreshed' } | { kind: 'ended'; reason: SessionEndReason }) => void;

let current: StoredSession | null = readStored();
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<void> | null = null;
const listeners = new Set<Listener>();

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as StoredSession;
    return typeof s.access_token === 'string' && typeof s.refresh_token === 'string' ? s : null;
  } catch {
    return null;
  }
}

function emit(event: Parameters<Listener>[0]): void {
  for (const l of listeners) l(event);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function hasSession(): boolean {
  return current !== null;
}

export function accessToken(): string | null {
  return current?.access_token ?? null;
}

export function refreshToken(): string | null {
  return current?.refresh_token ?? null;
}

/** Stores a fresh pair from login, register or refresh. */
export function startSession(auth: Pick<AuthResponse, 'access_token' | 'refresh_token' | 'expires_in'>): void {
  current = {
    access_token: auth.access_token,
    refresh_token: auth.refresh_token,
    issued_at: Date.now(),
    expires_in: auth.expires_in > 0 ? auth.expires_in : 900,
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(current));
  schedule();
}

/** Forgets the tokens locally (the caller revokes them server-side when it can). */
export function endSession(reason: SessionEndReason): void {
  const had = current !== null;
  current = null;
  clearTimeout(timer);
  localStorage.removeItem(STORAGE_KEY);
  if (had) emit({ kind: 'ended', reason });
}

function schedule(): void {
  clearTimeout(timer);
  if (!current) return;
  const due = current.issued_at + current.expires_in * 1000 * REFRESH_AT;
  timer = setTimeout(proactiveRefresh, Math.max(MIN_REFRESH_DELAY_MS, due - Date.now()));
}

function proactiveRefresh(): void {
  refreshSession().catch(() => {
    if (current) {
      clearTimeout(timer);
      timer = setTimeout(proactiveRefresh, RETRY_DELAY_MS);
    }
  });
}

/**
 * Gets a new token pair. `failedAccessToken` is the token a request was rejected with: when the
 * session has moved on since (another caller or tab refreshed), nothing is sent.
 * Rejects when the refresh fails; a definitive failure (4xx other than 429) also ends the session.
 */
export function refreshSession(failedAccessToken?: string): Promise<void> {
  if (failedAccessToken && current && current.access_token !== failedAccessToken) return Promise.resolve();
  inflight ??= withLock(() => doRefresh()).finally(() => {
    inflight = null;
  });
  return inflight;
}

async function doRefresh(): Promise<void> {
  const mine = current;
  const stored = readStored();
  if (!stored) {
    endSession('expired');
    throw new ApiError(401, 'SessionExpired', 'Your session has ended. Please sign in again.');
  }
  if (!mine || stored.refresh_token !== mine.refresh_token) {
    // Another tab rotated the pair while we waited for the lock.
    current = stored;
    schedule();
    emit({ kind: 'refreshed' });
    return;
  }
  try {
    const res = await settle(api.POST('/api/auth/refresh', { body: { refresh_token: stored.refresh_token } }));
    startSession(res);
    emit({ kind: 'refreshed' });
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
      endSession('expired');
    }
    throw err;
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return fn();
  return locks.request(LOCK_NAME, fn);
}

// Another tab logged in, refreshed or logged out.
window.addEventListener('storage', (e) => {
  if (e.key !== STORAGE_KEY && e.key !== null) return;
  const stored = readStored();
  if (!stored) {
    if (current) {
      current = null;
      clearTimeout(timer);
      emit({ kind: 'ended', reason: 'logout' });
    }
    return;
  }
  if (!current || stored.access_token !== current.access_token) {
    current = stored;
    schedule();
    emit({ kind: 'refreshed' });
  }
});

// Timers are throttled while a laptop sleeps or a tab is hidden; catch up when it comes back.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible' || !current) return;
  const due = current.issued_at + current.expires_in * 1000 * REFRESH_AT;
  if (Date.now() >= due) proactiveRefresh();
});

if (current) schedule();
