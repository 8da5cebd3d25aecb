import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { decodeCursor, isIdCursor, pageOf } from '../../common/cursor';
import { DashboardError } from '../../common/errors';
import { PageQuery } from '../../common/http/page.query';
import { AppConfig } from '../../config';
import { AddressPolicy, AddressRefused } from './delivery/address-policy';
import { DeliveryRepository } from './delivery/delivery.repository';
import { NotificationOutbox } from './outbox/notification-outbox.service';
import { WEBHOOK_TEST_TYPE } from './notification-types';
import { toWebhookDeliveryJson, toWebhookJson, WebhookDeliveryPageJson, WebhookJson, WebhookSecretJson } from './webhook.mapper';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookSecretBox } from './webhook-secret-box';

/** Resolving a webhook's host at registration gives up after this long. */
const RESOLVE_TIMEOUT_MS = 3_000;

/** The caller's webhook endpoint: registration (with its secret), removal, test events, deliveries. */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger('Webhooks');
  private readonly policy: AddressPolicy;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly outbox: NotificationOutbox,
    private readonly secrets: WebhookSecretBox,
    private readonly config: AppConfig,
  ) {
    this.policy = new AddressPolicy(config.notifications.webhook.allowPrivateAddresses);
  }

  async get(userId: number): Promise<WebhookJson> {
    const endpoint = await this.endpoints.find(userId);
    if (endpoint === null) throw DashboardError.notFound('Webhook endpoint');
    return toWebhookJson(endpoint);
  }

  /**
   * Registers (or replaces) the endpoint with a new secret, enabled. The URL's host must resolve
   * to allowed addresses now; deliveries check again at every attempt, as DNS can change.
   */
  async put(userId: number, raw: string): Promise<WebhookSecretJson> {
    const url = await this.validUrl(raw);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    await this.endpoints.put(userId, url, this.secrets.seal(userId, secret));
    this.logger.log({ userId, host: new URL(url).host }, 'Webhook endpoint registered');
    return { url, secret };
  }

  async remove(userId: number): Promise<void> {
    await this.endpoints.remove(userId);
  }

  /** Queues a webhook.test delivery to the endpoint (the settings page's "send test event"). */
  async sendTest(userId: number): Promise<void> {
    const endpoint = await this.endpoints.find(userId);
    if (endpoint === null) throw DashboardError.notFound('Webhook endpoint');
    if (endpoint.disabled_at !== null) throw DashboardError.conflict('The webhook endpoint is disabled; register it again first');
    await this.dataSource.transaction((manager) =>
      this.outbox.record(manager, userId, WEBHOOK_TEST_TYPE, { message: 'This is a test event from your DePIN dashboard.' }),
    );
  }

  async deliveryPage(userId: number, query: PageQuery): Promise<WebhookDeliveryPageJson> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isIdCursor);
    const rows = await this.deliveries.listWebhook(userId, query.limit + 1, cursor?.id);
    return pageOf(rows, query.limit, toWebhookDeliveryJson, (row) => ({ id: row.id }));
  }

  private async validUrl(raw: string): Promise<string> {
    const refuse = (problem: string) => DashboardError.validation('Invalid webhook URL', [{ field: 'url', problems: [problem] }]);
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw refuse('url must be an absolute http(s) URL');
    }
    const production = this.config.nodeEnv === 'production';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) {
      throw refuse(production ? 'url must use https' : 'url must use https or http');
    }
    if (url.username !== '' || url.password !== '') throw refuse('url must not contain credentials');
    if (url.hostname === '') throw refuse('url needs a host');
    try {
      await withTimeout(this.policy.addressesOf(url.hostname), RESOLVE_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof AddressRefused) throw refuse(`url is not allowed: ${error.message}`);
      throw refuse(`url host could not be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    url.hash = '';
    return url.toString();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
