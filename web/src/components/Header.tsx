import type { LiveState } from '../live/socket';
import type { Route } from '../router';
import { NotificationBell } from './NotificationBell';

const LIVE_TEXT: Record<LiveState['status'], string> = {
  idle: 'connecting',
  connecting: 'connecting',
  live: 'live',
  reconnecting: 'reconnecting',
  replaced: 'opened elsewhere',
  stopped: 'offline',
};

function liveTitle(live: LiveState): string {
  switch (live.status) {
    case 'live':
      return 'Receiving live updates';
    case 'reconnecting':
      return `Connection lost (code ${live.code}); retrying at ${new Date(live.retryAt).toLocaleTimeString()}`;
    case 'replaced':
      return 'This dashboard was opened elsewhere; live updates stopped here';
    default:
      return 'Live updates are not connected';
  }
}

interface Props {
  route: Route;
  username: string | null;
  isAdmin: boolean | null;
  live: LiveState;
  onLogout(): void;
}

export function Header({ route, username, isAdmin, live, onLogout }: Props) {
  return (
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href="#/">
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-text">Node Dashboard</span>
        </a>
        <nav class="nav" aria-label="Main">
          <a href="#/" aria-current={route === 'dashboard' ? 'page' : undefined}>
            Overview
          </a>
          <a
            href="#/notifications"
            class="nav-notifications"
            aria-current={route === 'notifications' ? 'page' : undefined}
            data-testid="notifications-link"
          >
            Notifications
          </a>
          {isAdmin && (
            <a href="#/admin" aria-current={route === 'admin' ? 'page' : undefined} data-testid="admin-link">
              Admin
            </a>
          )}
        </nav>
        <div class="topbar-right">
          <span
            class={`live live-${live.status}`}
            data-testid="live-status"
            data-status={live.status}
            title={liveTitle(live)}
            role="status"
          >
            {LIVE_TEXT[live.status]}
          </span>
          <NotificationBell />
          {username && (
            <span class="user muted" data-testid="current-username">
              {username}
            </span>
          )}
          <button type="button" class="btn btn-ghost" data-testid="logout-button" onClick={onLogout}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}
