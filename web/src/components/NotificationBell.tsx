import { useEffect, useRef } from 'preact/hooks';
import { describe } from '../notification-text';
import { formatDateTime } from '../format';
import { markRead, notifications, toggleNotifications } from '../state/notifications';
import { useStore } from '../state/store';

/** The bell in the header: the unread count (live), and a panel with the latest notifications. */
export function NotificationBell() {
  const s = useStore(notifications);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!s.open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && toggleNotifications(false);
    const onClick = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) toggleNotifications(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [s.open]);

  const unread = s.unread ?? 0;
  return (
    <div class="bell" ref={root}>
      <button
        type="button"
        class="btn btn-ghost bell-button"
        aria-expanded={s.open}
        aria-controls="notification-panel"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
        data-testid="notification-bell"
        onClick={() => toggleNotifications()}
      >
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
          <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span class="bell-badge" data-testid="notification-unread">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {s.open && (
        <div id="notification-panel" class="bell-panel card" role="dialog" aria-label="Notifications" data-testid="notification-panel">
          <div class="card-head">
            <h2>Notifications</h2>
            <button type="button" class="btn btn-ghost small" disabled={unread === 0} onClick={() => void markRead('all')} data-testid="notification-read-all">
              Mark all read
            </button>
          </div>
          {s.error && <p class="note note-error">{s.error}</p>}
          {s.items === null ? (
            <p class="muted small">Loading…</p>
          ) : s.items.length === 0 ? (
            <p class="muted small">No notifications yet.</p>
          ) : (
            <ul class="bell-list" data-testid="notification-list">
              {s.items.map((item) => (
                <li key={item.id} class={item.read_at ? 'read' : 'unread'} data-type={item.type}>
                  <button type="button" class="bell-item" onClick={() => !item.read_at && void markRead([item.id])}>
                    <span class="bell-text">{describe(item)}</span>
                    <span class="muted small">{formatDateTime(item.created_at)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p class="small">
            <a href="#/notifications" onClick={() => toggleNotifications(false)} data-testid="notification-settings-link">
              Notification settings
            </a>
          </p>
        </div>
      )}
    </div>
  );
}
