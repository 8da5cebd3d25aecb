import { notificationsApi } from '../api/client';
import { errorMessage } from '../api/http';
import type { AppNotification } from '../api/types';
import { createStore } from './store';

/** Notifications kept in the bell's list (the newest). */
const KEEP = 30;

export interface NotificationsState {
  /** null until the snapshot or the first load answered. */
  unread: number | null;
  items: AppNotification[] | null;
  open: boolean;
  error: string | null;
}

const initial = (): NotificationsState => ({ unread: null, items: null, open: false, error: null });

export const notifications = createStore<NotificationsState>(initial());

export function resetNotifications(): void {
  notifications.set(initial());
}

export function loadNotifications(): void {
  notificationsApi.list({ limit: KEEP }).then(
    (page) => notifications.set({ items: page.items, unread: page.unread, error: null }),
    (err: unknown) => notifications.set({ error: errorMessage(err) }),
  );
}

/** NotificationUpdate: the count is state. */
export function onUnread(unread: number): void {
  notifications.set({ unread });
}

/** Notification: a new entry on top (once, even if the list was loaded after it arrived). */
export function onNotification(notification: AppNotification): void {
  notifications.set((s) => {
    if (s.items === null) return {};
    if (s.items.some((item) => item.id === notification.id)) return {};
    return { items: [notification, ...s.items].slice(0, KEEP) };
  });
}

export function toggleNotifications(open = !notifications.get().open): void {
  notifications.set({ open });
  if (open) loadNotifications();
}

export async function markRead(ids: number[] | 'all'): Promise<void> {
  const now = new Date().toISOString();
  notifications.set((s) => ({
    items: s.items?.map((item) => (ids === 'all' || ids.includes(item.id) ? { ...item, read_at: item.read_at ?? now } : item)) ?? null,
  }));
  try {
    await notificationsApi.markRead(ids === 'all' ? { all: true } : { ids });
  } catch (err) {
    notifications.set({ error: errorMessage(err) });
  }
}
