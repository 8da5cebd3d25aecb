/**
 * The notification types of API.md, what each carries, and which channels are on by default.
 * One place, so the feed, the preferences, the outbox and the email text agree.
 */
export const NOTIFICATION_TYPES = [
  'node.offline',
  'node.online',
  'referral.joined',
  'referral.rewarded',
  'bonus.credited',
  'security.login',
  'security.wallet_linked',
  'webhook.disabled',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Sent only to the webhook, on request ("send test event"); never in the feed or by email. */
export const WEBHOOK_TEST_TYPE = 'webhook.test';
export type StoredNotificationType = NotificationType | typeof WEBHOOK_TEST_TYPE;

export const CHANNELS = ['in_app', 'webhook', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];
export type ChannelSettings = Record<Channel, boolean>;

/** The `data` of each type (snake_case JSON, as everything the API returns). */
export interface NotificationData {
  'node.offline': { node_id: number; device_id: string; network_name: string; last_seen: string | null };
  'node.online': { node_id: number; device_id: string; network_name: string; offline_seconds: number };
  'referral.joined': { referee_username: string; bonus: number };
  'referral.rewarded': { referee_username: string; bonus: number };
  'bonus.credited': { amount: number; reason: string | null };
  'security.login': { ip: string; user_agent: string | null; time: string };
  'security.wallet_linked': { address: string | null };
  'webhook.disabled': { url: string; reason: string };
  'webhook.test': { message: string };
}

/**
 * Defaults before a user changes anything: everything in the app and to a registered webhook
 * (a webhook is there to receive events); by email, what needs attention — nodes, security and
 * the webhook itself — but not the routine good news of referrals and bonuses.
 */
export const DEFAULT_CHANNELS: Readonly<Record<NotificationType, ChannelSettings>> = {
  'node.offline': { in_app: true, webhook: true, email: true },
  'node.online': { in_app: true, webhook: true, email: true },
  'referral.joined': { in_app: true, webhook: true, email: false },
  'referral.rewarded': { in_app: true, webhook: true, email: false },
  'bonus.credited': { in_app: true, webhook: true, email: false },
  'security.login': { in_app: true, webhook: true, email: true },
  'security.wallet_linked': { in_app: true, webhook: true, email: true },
  // Not to the webhook that was just disabled.
  'webhook.disabled': { in_app: true, webhook: false, email: true },
};

/** Channels a type can never use, whatever the preferences say. */
export function channelAllowed(type: StoredNotificationType, channel: Channel): boolean {
  if (type === WEBHOOK_TEST_TYPE) return channel === 'webhook';
  if (type === 'webhook.disabled') return channel !== 'webhook';
  return true;
}

export function isNotificationType(value: unknown): value is NotificationType {
  return typeof value === 'string' && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}
