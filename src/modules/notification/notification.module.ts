import { Module } from '@nestjs/common';
import { EarningsModule } from '../earnings/earnings.module';
import { NetworkModule } from '../network/network.module';
import { ReferralModule } from '../referral/referral.module';
import { DeliveryRepository } from './delivery/delivery.repository';
import { EmailDeliveryWorker } from './delivery/email-delivery.worker';
import { WebhookDeliveryWorker } from './delivery/webhook-delivery.worker';
import { LiveUpdatesService } from './live-updates.service';
import { NodeAlertsJob } from './node-alerts.job';
import { NotificationController } from './notification.controller';
import { NotificationLiveService } from './notification-live.service';
import { NotificationMetrics } from './notification.metrics';
import { NotificationRepository } from './notification.repository';
import { NotificationRetentionJob } from './notification-retention.job';
import { NotificationService } from './notification.service';
import { NotificationOutboxModule } from './outbox/notification-outbox.module';
import { PreferenceRepository } from './preference.repository';
import { UnsubscribeController } from './unsubscribe.controller';
import { AppConfig } from '../../config';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookSecretBox } from './webhook-secret-box';
import { WebhookSecretSealer } from './webhook-secret-sealer';
import { WebhookService } from './webhook.service';

/**
 * Notifications: domain events → frames on the affected users' sockets (LiveUpdates), and the
 * notification feature — feed, preferences, webhook and email deliveries from the outbox,
 * offline alerts of nodes, retention.
 */
@Module({
  imports: [EarningsModule, NetworkModule, ReferralModule, NotificationOutboxModule],
  controllers: [NotificationController, UnsubscribeController],
  providers: [
    LiveUpdatesService,
    NotificationLiveService,
    NotificationService,
    WebhookService,
    NotificationRepository,
    PreferenceRepository,
    WebhookEndpointRepository,
    DeliveryRepository,
    NotificationMetrics,
    WebhookDeliveryWorker,
    {
      provide: WebhookSecretBox,
      useFactory: (config: AppConfig) => WebhookSecretBox.fromSecret(config.notifications.webhook.secretKey ?? config.jwt.secret ?? ''),
      inject: [AppConfig],
    },
    WebhookSecretSealer,
    EmailDeliveryWorker,
    NodeAlertsJob,
    NotificationRetentionJob,
  ],
})
export class NotificationModule {}
