import { NotificationRow } from './notification.repository';
import { Channel, ChannelSettings, NotificationType } from './notification-types';

/** Notification JSON of API.md. */
export interface NotificationJson {
  id: number;
  type: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

export interface NotificationPageJson {
  items: NotificationJson[];
  next_cursor: string | null;
  unread: number;
}

export interface PreferenceJson extends Record<Channel, boolean> {
  type: NotificationType;
}

export function toNotificationJson(row: NotificationRow): NotificationJson {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    created_at: new Date(row.created_at).toISOString(),
    read_at: row.read_at === null ? null : new Date(row.read_at).toISOString(),
  };
}

export function toPreferenceJson(type: NotificationType, settings: ChannelSettings): PreferenceJson {
  return { type, in_app: settings.in_app, webhook: settings.webhook, email: settings.email };
}
