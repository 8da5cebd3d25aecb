/** Shapes of the REST and WebSocket contract (docs/API.md). Points are JSON numbers. */

export interface User {
  id: number;
  email: string;
  username: string;
  wallet_address: string | null;
  referral_code: string;
  created_at: string;
  last_active: string | null;
}

export interface AuthResponse {
  user: User;
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** Access-token lifetime in seconds. */
  expires_in: number;
}

export interface NetworkConnection {
  id: number;
  user_id: number;
  device_id: string;
  network_name: string;
  ip_address: string | null;
  connected: boolean;
  /** Seconds of verified uptime. */
  connection_time: number;
  /** In [0, 1]. */
  network_score: number;
  points_earned: number;
  created_at: string;
  updated_at: string;
}

export interface EarningsData {
  total: number;
  today: number;
  current_epoch: number;
  epoch_total: number;
  by_source: { network: number; referral: number; bonus: number };
  updated_at: string;
}

export type EarningsSource = 'Network' | 'Referral' | 'Bonus';

export interface Earnings {
  id: number;
  user_id: number;
  amount: number;
  source: EarningsSource;
  timestamp: string;
  epoch: number;
}

export type Bucket = 'hour' | 'day';

export interface TimeseriesPoint {
  t: string;
  network: number;
  referral: number;
  bonus: number;
  total: number;
}

export interface Timeseries {
  bucket: Bucket;
  points: TimeseriesPoint[];
}

export type ReferralStatus = 'Pending' | 'Completed' | 'Rewarded';

export interface Referral {
  id: number;
  referrer_id: number;
  referee_id: number;
  referee_username: string;
  status: ReferralStatus;
  points: number;
  created_at: string;
}

export interface ReferralData {
  referral_code: string;
  total: number;
  pending: number;
  completed: number;
  rewarded: number;
  points: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type NotificationType =
  | 'node.offline'
  | 'node.online'
  | 'referral.joined'
  | 'referral.rewarded'
  | 'bonus.credited'
  | 'security.login'
  | 'security.wallet_linked'
  | 'webhook.disabled';

export interface AppNotification {
  id: number;
  type: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

export interface NotificationPage extends Page<AppNotification> {
  unread: number;
}

export interface Preference {
  type: NotificationType;
  in_app: boolean;
  webhook: boolean;
  email: boolean;
}

export interface WebhookEndpoint {
  url: string;
  disabled_at: string | null;
  created_at: string;
}

export interface WebhookDelivery {
  id: number;
  notification_id: number;
  webhook_id: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  response_code: number | null;
  response_excerpt: string | null;
  next_retry_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
}

/** Admin listings return users; extra fields (role, disabled…) are shown when the server sends them. */
export type AdminUser = User & Record<string, unknown>;

/** Body of every API error, HTTP and WebSocket alike. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
  request_id?: string;
}

// ---- WebSocket envelope ----

export interface ConnectedPayload {
  session_id: string;
  user_id: number;
  device_id: string;
  role: 'node' | 'viewer';
  heartbeat_interval_ms: number;
  server_time: string;
}

export type ServerFrame =
  | { type: 'Connected'; payload: ConnectedPayload }
  | { type: 'NetworkUpdate'; payload: { networks: NetworkConnection[] } }
  | { type: 'EarningsUpdate'; payload: { earnings: EarningsData } }
  | { type: 'ReferralUpdate'; payload: { referrals: ReferralData } }
  | { type: 'NotificationUpdate'; payload: { unread: number } }
  | { type: 'Notification'; payload: { notification: AppNotification } }
  | { type: 'Heartbeat'; payload?: undefined }
  | { type: 'Error'; payload: { error: string; message: string } }
  | { type: 'Disconnect'; payload: { reason: string } };

export type ClientFrame =
  | { type: 'Connect'; payload: { device_id: string; role: 'viewer'; user_id?: number; network_name?: string } }
  | { type: 'Heartbeat' }
  | { type: 'Disconnect' };
