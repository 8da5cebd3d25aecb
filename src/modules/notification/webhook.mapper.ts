import { Page } from '../../common/cursor';
import { DeliveryRow } from './delivery/delivery.repository';
import { webhookIdOf } from './delivery/webhook-id';
import { DeliveryStatus } from './entities/notification-delivery.entity';
import { WebhookEndpointRow } from './webhook-endpoint.repository';

export interface WebhookJson {
  url: string;
  disabled_at: string | null;
  created_at: string;
}

export interface WebhookSecretJson {
  url: string;
  secret: string;
}

export interface WebhookDeliveryJson {
  id: number;
  notification_id: number;
  webhook_id: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  response_code: number | null;
  response_excerpt: string | null;
  next_retry_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
}

export type WebhookDeliveryPageJson = Page<WebhookDeliveryJson>;

export function toWebhookJson(row: WebhookEndpointRow): WebhookJson {
  return {
    url: row.url,
    disabled_at: row.disabled_at === null ? null : new Date(row.disabled_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
  };
}

export function toWebhookDeliveryJson(row: DeliveryRow): WebhookDeliveryJson {
  return {
    id: row.id,
    notification_id: row.notification_id,
    webhook_id: webhookIdOf(row.notification_id),
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    response_code: row.response_code,
    response_excerpt: row.response_excerpt,
    next_retry_at: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    last_attempt_at: row.last_attempt_at === null ? null : new Date(row.last_attempt_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
  };
}
