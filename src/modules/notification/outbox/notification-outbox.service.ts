import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { AppConfig } from '../../../config';
import { MicroPoints, numericToJson, pointsToJson } from '../../../common/points';
import { EventBus } from '../../../infra/bus/event-bus';
import type { BonusCredit, BonusRow, CompletedReferral } from '../../earnings/ledger-batch';
import { Channel, channelAllowed, DEFAULT_CHANNELS, NotificationData, StoredNotificationType, WEBHOOK_TEST_TYPE } from '../notification-types';
import { OutboxRepository, RecipientFacts } from './outbox.repository';

export interface NotificationRecord<T extends StoredNotificationType = StoredNotificationType> {
  readonly userId: number;
  readonly type: T;
  readonly data: NotificationData[T];
}

/** What a transaction recorded, kept on its query runner until it commits. */
interface Pending {
  readonly users: Set<number>;
  deliveries: boolean;
}

const PENDING_KEY = 'notificationOutbox';

/**
 * The outbox API other modules call inside their own transaction: `record(manager, userId, type,
 * data)` writes the notification (feed entry) and its webhook and email deliveries with the
 * change that caused it, so both commit or neither does. After the commit, the affected users'
 * sockets are told (`notification.changed`) and this instance's delivery workers are woken; the
 * workers of every instance also poll, so nothing depends on that wake-up.
 *
 * Channels follow the user's preferences (defaults in notification-types.ts); webhook and email
 * deliveries are created only while the user stays under NOTIFICATIONS_PER_USER_PER_HOUR.
 */
@Injectable()
export class NotificationOutbox implements EntitySubscriberInterface {
  private readonly logger = new Logger('NotificationOutbox');
  private readonly recordedListeners: Array<() => void> = [];

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
  ) {
    // A subscriber only for its transaction hooks: what was recorded is announced after COMMIT.
    dataSource.subscribers.push(this);
  }

  /** Records one notification in the caller's transaction (or in one of its own without one). */
  record<T extends StoredNotificationType>(manager: EntityManager, userId: number, type: T, data: NotificationData[T]): Promise<void> {
    return this.recordMany(manager, [{ userId, type, data } as NotificationRecord]);
  }

  /** Records many at once (offline alerts of a whole instance): a handful of statements. */
  async recordMany(manager: EntityManager, records: readonly NotificationRecord[]): Promise<void> {
    if (records.length === 0) return;
    const runner = manager.queryRunner;
    if (runner === undefined || !runner.isTransactionActive) {
      await manager.transaction((inner) => this.recordMany(inner, records));
      return;
    }
    const facts = await this.outbox.recipientFacts(manager, [...new Set(records.map((record) => record.userId))]);
    const counted = new Map<number, number>();
    const notifications: Array<{ userId: number; type: string; data: unknown; inApp: boolean }> = [];
    const deliveries: Array<{ index: number; userId: number; channel: 'webhook' | 'email' }> = [];
    for (const record of records) {
      const fact = facts.get(record.userId);
      if (fact === undefined) continue; // the user is gone
      const channels = this.channelsOf(record.type, fact);
      const sent = (counted.get(record.userId) ?? fact.recentCount) + 1;
      counted.set(record.userId, sent);
      // Over the hourly rate: the feed keeps it, the user's inbox and endpoint are spared.
      const external = sent <= this.config.notifications.perUserPerHour;
      const webhook = channels.webhook && external;
      const email = channels.email && external;
      if (!channels.in_app && !webhook && !email) continue;
      const index = notifications.length;
      notifications.push({ userId: record.userId, type: record.type, data: record.data, inApp: channels.in_app });
      if (webhook) deliveries.push({ index, userId: record.userId, channel: 'webhook' });
      if (email) deliveries.push({ index, userId: record.userId, channel: 'email' });
    }
    if (notifications.length === 0) return;
    const ids = await this.outbox.insertNotifications(manager, notifications);
    await this.outbox.insertDeliveries(
      manager,
      deliveries.map((delivery) => ({
        notificationId: ids[delivery.index]!,
        userId: delivery.userId,
        channel: delivery.channel,
        delayMs: delivery.channel === 'email' ? this.config.notifications.email.batchMs : 0,
      })),
    );
    const pending = ((runner.data as Record<string, Pending | undefined>)[PENDING_KEY] ??= { users: new Set(), deliveries: false });
    for (const notification of notifications) if (notification.inApp) pending.users.add(notification.userId);
    pending.deliveries ||= deliveries.length > 0;
  }

  /**
   * The ledger's notifications, written in its transaction: bonus.credited for each bonus of the
   * batch that was credited now, referral.rewarded for each referral that completed.
   */
  async recordLedgerChanges(
    manager: EntityManager,
    changes: {
      readonly credited: readonly BonusRow[];
      readonly bonuses: readonly BonusCredit[];
      readonly rewarded: readonly CompletedReferral[];
      readonly referralBonus: MicroPoints;
    },
  ): Promise<void> {
    const notes = new Map(changes.bonuses.map((bonus) => [bonus.ref, bonus.note]));
    const records: NotificationRecord[] = changes.credited
      .filter((row) => notes.has(row.ref))
      .map((row) => ({
        userId: row.userId,
        type: 'bonus.credited' as const,
        data: { amount: numericToJson(row.amount), reason: notes.get(row.ref) ?? null },
      }));
    if (changes.rewarded.length > 0) {
      const usernames = await this.outbox.usernames(manager, changes.rewarded.map((referral) => referral.refereeId));
      const bonus = pointsToJson(changes.referralBonus);
      for (const referral of changes.rewarded) {
        records.push({
          userId: referral.referrerId,
          type: 'referral.rewarded',
          data: { referee_username: usernames.get(referral.refereeId) ?? '', bonus },
        });
      }
    }
    await this.recordMany(manager, records);
  }

  /** Called (on this instance) after a commit that created deliveries: workers may start at once. */
  onRecorded(listener: () => void): void {
    this.recordedListeners.push(listener);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    // Also called when a savepoint is released; only the outermost COMMIT makes rows visible.
    if (runner.isTransactionActive) return;
    const data = runner.data as Record<string, Pending | undefined>;
    const pending = data[PENDING_KEY];
    if (pending === undefined) return;
    data[PENDING_KEY] = undefined;
    void this.bus.publishAfterCommit({ type: 'notification.changed', userIds: [...pending.users] });
    if (pending.deliveries) {
      for (const listener of this.recordedListeners) {
        try {
          listener();
        } catch (error) {
          this.logger.warn({ err: error }, 'Outbox listener failed');
        }
      }
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) (event.queryRunner.data as Record<string, unknown>)[PENDING_KEY] = undefined;
  }

  private channelsOf(type: StoredNotificationType, fact: RecipientFacts): Record<Channel, boolean> {
    if (type === WEBHOOK_TEST_TYPE) return { in_app: false, webhook: fact.hasWebhook, email: false };
    const chosen = fact.preferences.get(type) ?? DEFAULT_CHANNELS[type];
    return {
      in_app: chosen.in_app && channelAllowed(type, 'in_app'),
      webhook: chosen.webhook && fact.hasWebhook && channelAllowed(type, 'webhook'),
      email: chosen.email && this.config.notifications.email.smtpUrl !== null && channelAllowed(type, 'email'),
    };
  }
}

