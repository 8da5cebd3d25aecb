import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { AppConfig } from '../../../config';
import { NotificationMetrics } from '../notification.metrics';
import { NotificationOutbox } from '../outbox/notification-outbox.service';
import { UnsubscribeTokens } from '../unsubscribe-token';
import { composeEmail } from './email-composer';
import { ClaimedEmail, DeliveryRepository } from './delivery.repository';
import { forEachConcurrently, PollingLoop } from './polling-loop';

const POLL_MS = 1_000;
/** Users whose email is claimed per pass, and deliveries per pass at most. */
const USERS_PER_PASS = 50;
const ROWS_PER_PASS = 10_000;
const CONCURRENCY = 4;
const LEASE_MS = 120_000;
/** Retries of an email the SMTP server did not accept (ms after the previous attempt). */
const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 7_200_000];

/**
 * Sends notification emails when SMTP_URL is set: one email per user for everything due —
 * deliveries wait EMAIL_BATCH_MS after they are recorded, and a pass takes all of a user's
 * pending ones, so an outage of 500 nodes is one email. Plain text and HTML, an unsubscribe link
 * per type (and List-Unsubscribe with one-click POST for mail clients).
 */
@Injectable()
export class EmailDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EmailDelivery');
  private readonly transport: Transporter | null;
  private readonly loop: PollingLoop;
  private readonly tokens: UnsubscribeTokens;
  private readonly baseUrl: string;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: NotificationMetrics,
    private readonly config: AppConfig,
  ) {
    const { smtpUrl } = config.notifications.email;
    this.transport = smtpUrl === null ? null : createTransport(smtpUrl);
    this.tokens = new UnsubscribeTokens(config.jwt.secret ?? '');
    this.baseUrl = publicUrlOf(config);
    this.loop = new PollingLoop('Email delivery', POLL_MS, () => this.pass(), this.logger);
  }

  onApplicationBootstrap(): void {
    if (this.transport === null) return;
    this.outbox.onRecorded(() => this.loop.wake());
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
    this.transport?.close();
  }

  private async pass(): Promise<boolean> {
    const claimed = await this.deliveries.claimEmails(USERS_PER_PASS, ROWS_PER_PASS, LEASE_MS);
    this.metrics.backlog.labels('email').set(claimed.length);
    const byUser = new Map<number, ClaimedEmail[]>();
    for (const row of claimed) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row]);
    await forEachConcurrently([...byUser.values()], CONCURRENCY, (rows) => this.send(rows));
    return claimed.length > 0 && (byUser.size === USERS_PER_PASS || claimed.length === ROWS_PER_PASS);
  }

  private async send(rows: ClaimedEmail[]): Promise<void> {
    const ids = rows.map((row) => row.id);
    const first = rows[0]!;
    try {
      if (first.disabled) {
        await this.deliveries.finish(ids, 'cancelled', { responseCode: null, excerpt: 'account disabled' });
        return;
      }
      const email = composeEmail(
        first.username,
        rows.map((row) => ({ type: row.type, data: row.data, createdAt: new Date(row.created_at) })),
        {
          dashboard: `${this.baseUrl}/`,
          unsubscribe: (type) => `${this.baseUrl}/api/notifications/unsubscribe?token=${encodeURIComponent(this.tokens.sign(first.user_id, type))}`,
        },
      );
      try {
        const info = (await this.transport!.sendMail({
          from: this.config.notifications.email.from,
          to: first.email,
          subject: email.subject,
          text: email.text,
          html: email.html,
          headers: { 'List-Unsubscribe': `<${email.listUnsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        })) as { response?: string };
        await this.deliveries.delivered(ids, { responseCode: 250, excerpt: info.response?.slice(0, 256) ?? null });
        this.metrics.attempts.labels('email', 'delivered').inc(ids.length);
      } catch (error) {
        const excerpt = ((error as Error).message ?? 'send failed').slice(0, 256);
        const attempts = Math.max(...rows.map((row) => row.attempts));
        if (attempts <= RETRY_DELAYS_MS.length) {
          await this.deliveries.retryLater(ids, RETRY_DELAYS_MS[attempts - 1]!, { responseCode: null, excerpt });
          this.metrics.attempts.labels('email', 'retry').inc(ids.length);
        } else {
          await this.deliveries.finish(ids, 'failed', { responseCode: null, excerpt });
          this.metrics.attempts.labels('email', 'failed').inc(ids.length);
        }
        this.logger.warn({ userId: first.user_id, err: error }, 'Notification email not accepted');
      }
    } catch (error) {
      this.logger.warn({ err: error, userId: first.user_id }, 'Could not record an email attempt');
    }
  }
}

/** Base of links to this service: PUBLIC_URL, else the local listen port. */
export function publicUrlOf(config: AppConfig): string {
  return config.publicUrl ?? `http://localhost:${config.http.port}`;
}
