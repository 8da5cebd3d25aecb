import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config';
import { NotificationMetrics } from '../notification.metrics';
import { NotificationOutbox } from '../outbox/notification-outbox.service';
import { WebhookEndpointRepository } from '../webhook-endpoint.repository';
import { UnopenableSecretError, WebhookSecretBox } from '../webhook-secret-box';
import { AddressPolicy } from './address-policy';
import { ClaimedWebhook, DeliveryRepository } from './delivery.repository';
import { forEachConcurrently, PollingLoop } from './polling-loop';
import { webhookIdOf } from './webhook-id';
import { WebhookSender } from './webhook-sender';

/** How often each instance looks for due deliveries when nothing woke it (ms). */
const POLL_MS = 1_000;
/** Deliveries claimed per pass, and attempts in flight at once. */
const CLAIM_BATCH = 64;
const CONCURRENCY = 16;
/** Beyond the attempt's own deadline, before an unfinished claim is due again. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Sends due webhook deliveries (on every instance; claims keep them apart). A failed attempt —
 * timeout, connection error, refused address, any non-2xx including redirects — is retried after
 * the next delay of WEBHOOK_RETRY_DELAYS_MS (±10% jitter); when they run out, the endpoint is
 * disabled, its pending deliveries cancelled and its owner told (webhook.disabled), in one
 * transaction.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookDelivery');
  private readonly sender: WebhookSender;
  private readonly loop: PollingLoop;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: NotificationMetrics,
    private readonly secrets: WebhookSecretBox,
    private readonly config: AppConfig,
  ) {
    const { allowPrivateAddresses, timeoutMs } = config.notifications.webhook;
    this.sender = new WebhookSender(new AddressPolicy(allowPrivateAddresses), timeoutMs);
    this.loop = new PollingLoop('Webhook delivery', POLL_MS, () => this.pass(), this.logger);
  }

  onApplicationBootstrap(): void {
    this.outbox.onRecorded(() => this.loop.wake());
    this.loop.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /** One claim and its attempts; true when there may be more due. */
  private async pass(): Promise<boolean> {
    const claimed = await this.deliveries.claimWebhooks(CLAIM_BATCH, this.config.notifications.webhook.timeoutMs + LEASE_MARGIN_MS);
    this.metrics.backlog.labels('webhook').set(claimed.length);
    await forEachConcurrently(claimed, CONCURRENCY, (delivery) => this.attempt(delivery));
    return claimed.length === CLAIM_BATCH;
  }

  private async attempt(delivery: ClaimedWebhook): Promise<void> {
    try {
      if (delivery.url === null || delivery.secret === null || delivery.disabled_at !== null) {
        await this.deliveries.finish([delivery.id], 'cancelled', { responseCode: null, excerpt: 'no enabled webhook endpoint' });
        this.metrics.attempts.labels('webhook', 'cancelled').inc();
        return;
      }
      const body = JSON.stringify({ type: delivery.type, timestamp: new Date(delivery.created_at).toISOString(), data: delivery.data });
      const secret = this.openSecret(delivery.user_id, delivery.secret);
      const result =
        secret === null
          ? { ok: false, status: null, excerpt: 'signing secret cannot be opened: register the endpoint again' }
          : await this.sender.send(delivery.url, secret, { id: webhookIdOf(delivery.notification_id), timestamp: new Date(), body });
      const outcome = { responseCode: result.status, excerpt: result.excerpt };
      if (result.ok) {
        await this.deliveries.delivered([delivery.id], outcome);
        this.metrics.attempts.labels('webhook', 'delivered').inc();
        return;
      }
      const delays = this.config.notifications.webhook.retryDelaysMs;
      if (delivery.attempts <= delays.length) {
        const delay = delays[delivery.attempts - 1]!;
        await this.deliveries.retryLater([delivery.id], Math.round(delay * (0.9 + Math.random() * 0.2)), outcome);
        this.metrics.attempts.labels('webhook', 'retry').inc();
        return;
      }
      await this.giveUp(delivery, outcome);
      this.metrics.attempts.labels('webhook', 'failed').inc();
    } catch (error) {
      // The outcome could not be written: the lease ends and the delivery is tried again.
      this.logger.warn({ err: error, delivery: delivery.id }, 'Could not record a webhook attempt');
    }
  }

  /**
   * The delivery's signing secret, or null when this instance's key cannot open it (the key
   * changed, or the row was tampered with): the attempt then fails like any other, so the retry
   * schedule runs and the owner is finally told to register again — never a signature with a
   * wrong key.
   */
  private openSecret(userId: number, stored: string): string | null {
    try {
      return this.secrets.open(userId, stored);
    } catch (error) {
      if (!(error instanceof UnopenableSecretError)) throw error;
      this.logger.error({ userId, reason: error.message }, 'Webhook signing secret cannot be opened (WEBHOOK_SECRET_KEY or JWT_SECRET changed?)');
      return null;
    }
  }

  private async giveUp(delivery: ClaimedWebhook, outcome: { responseCode: number | null; excerpt: string | null }): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.deliveries.finish([delivery.id], 'failed', outcome, manager);
      const disabled = await this.endpoints.disable(manager, delivery.user_id);
      if (disabled === null) return;
      await this.outbox.record(manager, delivery.user_id, 'webhook.disabled', {
        url: disabled.url,
        reason: outcome.responseCode === null ? (outcome.excerpt ?? 'no answer') : `HTTP ${outcome.responseCode}`,
      });
    });
    this.logger.warn({ userId: delivery.user_id }, 'Webhook endpoint disabled: deliveries failed for the whole retry schedule');
  }
}
