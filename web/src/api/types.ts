/**
 * Names for the contract's shapes (docs/API.md). Nothing is declared here: every shape comes from
 * the types generated from the server's own API documents (./generated, `npm run build`), so the
 * page cannot drift from the server. Points are JSON numbers.
 */
import type { components as Rest } from './generated/openapi';
import type { components as Ws } from './generated/asyncapi';

type Schemas = Rest['schemas'];

export type User = Schemas['User'];
export type Role = Schemas['Role'];
export type AuthResponse = Schemas['TokenResponse'];
export type NetworkConnection = Schemas['NetworkConnection'];
export type EarningsData = Schemas['EarningsData'];
export type EarningsSource = Schemas['EarningSource'];
export type Earnings = Schemas['Earnings'];
export type Bucket = Schemas['TimeseriesBucket'];
export type TimeseriesPoint = Schemas['TimeseriesPoint'];
export type Timeseries = Schemas['EarningsTimeseries'];
export type ReferralStatus = Schemas['ReferralStatus'];
export type Referral = Schemas['Referral'];
export type ReferralData = Schemas['ReferralData'];
export type AdminUser = Schemas['AdminUser'];
export type AdminUserPage = Schemas['AdminUserPage'];
export type NotificationType = Schemas['NotificationType'];
export type AppNotification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];
export type Preference = Schemas['NotificationPreference'];
export type Preferences = Schemas['NotificationPreferences'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookSecret = Schemas['WebhookSecret'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookDeliveryPage = Schemas['WebhookDeliveryPage'];
/** Body of every API error, HTTP and WebSocket alike. */
export type ErrorBody = Schemas['ErrorBody'];

// ---- WebSocket (from the AsyncAPI document) ----

/** Any frame the server sends: narrow on `type` to get its payload. */
export type ServerFrame = Ws['schemas']['ServerFrame'];
export type ClientFrame = Ws['schemas']['ClientFrame'];
