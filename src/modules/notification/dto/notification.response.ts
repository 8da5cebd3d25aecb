import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ApiCount, ApiId, ApiNextCursor, ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { NotificationJson, NotificationPageJson, PreferenceJson } from '../notification.mapper';
import { NOTIFICATION_TYPES, NotificationType } from '../notification-types';
import { WebhookDeliveryJson, WebhookDeliveryPageJson, WebhookJson, WebhookSecretJson } from '../webhook.mapper';
import { DELIVERY_STATUSES, DeliveryStatus } from '../entities/notification-delivery.entity';

@ApiSchema({ name: 'Notification', description: 'One notification of the caller' })
export class NotificationResponse implements NotificationJson, OnlyKeysOf<NotificationJson, NotificationResponse> {
  @ApiId()
  id!: number;

  @ApiProperty({ example: 'node.offline', description: `One of ${NOTIFICATION_TYPES.join(', ')}` })
  type!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: {},
    example: { node_id: 12, device_id: 'rig-1', network_name: 'Rig 1', last_seen: '2026-11-29T08:00:00.000Z' },
    description: 'What happened; its fields depend on the type (API.md)',
  })
  data!: Record<string, unknown>;

  @ApiTimestamp()
  created_at!: string;

  @ApiTimestamp('When it was marked read', { nullable: true })
  read_at!: string | null;
}

@ApiSchema({ name: 'NotificationPage', description: 'Notifications, newest first, and the unread count' })
export class NotificationPageResponse implements NotificationPageJson, OnlyKeysOf<NotificationPageJson, NotificationPageResponse> {
  @ApiProperty({ type: [NotificationResponse] })
  items!: NotificationResponse[];

  @ApiNextCursor()
  next_cursor!: string | null;

  @ApiCount('Unread notifications of the caller (all of them, not only this page)', 2)
  unread!: number;
}

@ApiSchema({ name: 'NotificationPreference', description: 'The channels of one notification type' })
export class PreferenceResponse implements PreferenceJson, OnlyKeysOf<PreferenceJson, PreferenceResponse> {
  @ApiProperty({ enum: NOTIFICATION_TYPES, enumName: 'NotificationType', example: 'node.offline' })
  type!: NotificationType;

  @ApiProperty({ example: true })
  in_app!: boolean;

  @ApiProperty({ example: true })
  webhook!: boolean;

  @ApiProperty({ example: true })
  email!: boolean;
}

@ApiSchema({ name: 'NotificationPreferences', description: 'Every notification type with its channels' })
export class PreferencesResponse {
  @ApiProperty({ type: [PreferenceResponse] })
  preferences!: PreferenceResponse[];
}

@ApiSchema({ name: 'WebhookEndpoint', description: 'The caller’s webhook endpoint (its secret is shown only when set)' })
export class WebhookResponse implements WebhookJson, OnlyKeysOf<WebhookJson, WebhookResponse> {
  @ApiProperty({ example: 'https://hooks.example.com/depin' })
  url!: string;

  @ApiTimestamp('Set when deliveries failed for the whole retry schedule; PUT the URL again to resume', { nullable: true })
  disabled_at!: string | null;

  @ApiTimestamp()
  created_at!: string;
}

@ApiSchema({ name: 'WebhookSecret', description: 'The endpoint and its signing secret, shown this once' })
export class WebhookSecretResponse implements WebhookSecretJson, OnlyKeysOf<WebhookSecretJson, WebhookSecretResponse> {
  @ApiProperty({ example: 'https://hooks.example.com/depin' })
  url!: string;

  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Standard Webhooks secret: verify signatures with it' })
  secret!: string;
}

@ApiSchema({ name: 'WebhookDelivery', description: 'A webhook delivery and its latest attempt' })
export class WebhookDeliveryResponse implements WebhookDeliveryJson, OnlyKeysOf<WebhookDeliveryJson, WebhookDeliveryResponse> {
  @ApiId()
  id!: number;

  @ApiId('The notification delivered', 40)
  notification_id!: number;

  @ApiProperty({ example: 'msg_40', description: 'The `webhook-id` header: the same on every attempt' })
  webhook_id!: string;

  @ApiProperty({ example: 'node.offline' })
  type!: string;

  @ApiProperty({ enum: DELIVERY_STATUSES, enumName: 'DeliveryStatus', example: 'pending' })
  status!: DeliveryStatus;

  @ApiCount('Attempts made', 1)
  attempts!: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 500, description: 'HTTP status of the latest answer; null when none came' })
  response_code!: number | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 256, example: 'Internal Server Error', description: 'Start of the latest answer, or the error' })
  response_excerpt!: string | null;

  @ApiTimestamp('When the next attempt is due (pending only)', { nullable: true })
  next_retry_at!: string | null;

  @ApiTimestamp(undefined, { nullable: true })
  last_attempt_at!: string | null;

  @ApiTimestamp()
  created_at!: string;
}

@ApiSchema({ name: 'WebhookDeliveryPage', description: 'Recent webhook deliveries, newest first' })
export class WebhookDeliveryPageResponse implements WebhookDeliveryPageJson, OnlyKeysOf<WebhookDeliveryPageJson, WebhookDeliveryPageResponse> {
  @ApiProperty({ type: [WebhookDeliveryResponse] })
  items!: WebhookDeliveryResponse[];

  @ApiNextCursor()
  next_cursor!: string | null;
}
