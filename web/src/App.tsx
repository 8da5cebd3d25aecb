import { useEffect, useState } from 'preact/hooks';
import { authApi } from './api/client';
import type { AuthResponse } from './api/types';
import { endSession, hasSession, onSessionChange, refreshToken, startSession } from './auth/session';
import { Header } from './components/Header';
import { navigate, forgetReferralCode, rememberedReferralCode, useRoute } from './router';
import { dashboard, isAdmin, reconnectLive, setUser, startDashboard, stopDashboard } from './state/dashboard';
import { useStore } from './state/store';
import { AdminView } from './views/AdminView';
import { LoginView, RegisterView } from './views/AuthViews';
import { DashboardView } from './views/DashboardView';
import { NotificationSettingsView } from './views/NotificationSettingsView';

const EXPIRED = 'Your session has ended. Please sign in again.';

export function App() {
  const route = useRoute();
  const [authed, setAuthed] = useState(hasSession);
  const [sessionNotice, setSessionNotice] = useState<string | null>(null);

  useEffect(
    () =>
      onSessionChange((e) => {
        if (e.kind !== 'ended') return;
        setAuthed(false);
        setSessionNotice(e.reason === 'expired' ? EXPIRED : null);
      }),
    [],
  );

  useEffect(() => {
    if (!authed) return;
    startDashboard();
    return stopDashboard;
  }, [authed]);

  // Keep the route consistent with the session.
  useEffect(() => {
    if (!authed && (route === 'dashboard' || route === 'admin' || route === 'notifications')) navigate(rememberedReferralCode() ? 'register' : 'login');
    if (authed && (route === 'login' || route === 'register')) navigate('dashboard');
  }, [authed, route]);

  const onAuthed = (res: AuthResponse) => {
    startSession(res);
    forgetReferralCode();
    setSessionNotice(null);
    setAuthed(true);
    setUser(res.user);
    navigate('dashboard');
  };

  if (!authed) {
    return route === 'register' ? <RegisterView onAuthed={onAuthed} /> : <LoginView onAuthed={onAuthed} notice={sessionNotice} />;
  }
  return <Shell route={route} />;
}

function logout(): void {
  const token = refreshToken();
  // Revoke server-side on a best-effort basis; locally the session ends regardless.
  if (token) authApi.logout(token).catch(() => undefined);
  endSession('logout');
  navigate('login');
}

function Shell({ route }: { route: ReturnType<typeof useRoute> }) {
  const s = useStore(dashboard);
  const admin = isAdmin(s);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header route={route} username={s.user?.username ?? null} isAdmin={admin} live={s.live} onLogout={logout} />
      <div class="container">
        {s.live.status === 'replaced' && (
          <div class="banner" role="alert" data-testid="live-replaced">
            <span>This dashboard was opened elsewhere, so live updates stopped here.</span>
            <button type="button" class="btn btn-secondary" onClick={reconnectLive}>
              Reconnect here
            </button>
          </div>
        )}
        {s.notice && s.live.status !== 'live' && s.live.status !== 'replaced' && (
          <div class="banner banner-muted" role="status" data-testid="live-notice">
            {s.notice}
          </div>
        )}
        {route === 'admin' ? (
          admin ? (
            <AdminView />
          ) : (
            <main id="main" class="card">
              <p class="muted">{admin === null ? 'Checking access…' : 'This page is for administrators.'}</p>
            </main>
          )
        ) : route === 'notifications' ? (
          <main id="main">
            <h1 class="sr-only">Notification settings</h1>
            <NotificationSettingsView />
          </main>
        ) : (
          <main id="main">
            <h1 class="sr-only">Overview</h1>
            <DashboardView />
          </main>
        )}
      </div>
    </>
  );
}
