import { Logger } from '@nestjs/common';
import { RedisClients } from '../redis/redis-clients';
import { distinctUsersOf, DomainEvent, eventOfUser, isDomainEvent } from './domain-event';
import { EventBus, EventHandler, Unsubscribe } from './event-bus';
import { addHandler, runHandlers } from './in-process-event-bus';

interface PublishBatch {
  /** [channel, message] in order. */
  messages: Array<[string, string]>;
  /** Each publish's slice of the messages, and its promise. */
  waiting: Array<{ from: number; to: number; resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Bus across instances: one Redis channel per user. An instance subscribes to a user's channel
 * while it has at least one local handler for that user and unsubscribes when the last one goes,
 * so an update costs one PUBLISH and reaches only the instances that hold that user's sockets.
 */
export class RedisEventBus extends EventBus {
  private readonly logger = new Logger('RedisEventBus');
  private readonly handlers = new Map<number, Set<EventHandler>>();
  private readonly channelPrefix: string;
  /** Messages of this tick's publishes, not yet sent. */
  private batch: PublishBatch | null = null;

  /** Users whose channel Redis has confirmed subscribing to on the current connection. */
  private readonly confirmed = new Set<number>();
  private disconnected = false;
  /** Which subscription of the user is current (a count), so a late confirmation of an earlier one is ignored. */
  private readonly subscriptionOf = new Map<number, number>();
  private subscriptions = 0;

  constructor(private readonly redis: RedisClients) {
    super();
    this.channelPrefix = redis.key('user', '');
    redis.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Messages published while the subscriber is away are not kept by Redis: say so on the way
    // down and again once it is back (what was read meanwhile was read without hearing events).
    redis.subscriber.on('close', () => {
      if (this.disconnected) return;
      this.disconnected = true;
      this.confirmed.clear();
      this.reportDeliveryGap();
    });
    redis.subscriber.on('ready', () => {
      if (!this.disconnected) return;
      this.disconnected = false;
      this.confirmAll();
      this.reportDeliveryGap();
    });
  }

  override isListening(userId: number): boolean {
    return this.confirmed.has(userId);
  }

  /**
   * Events published in one tick go out as one pipeline (one write): a registration batch of a
   * reconnect storm announces hundreds of node sessions at once. Each event's promise settles with
   * its own commands' results.
   */
  publish(event: DomainEvent): Promise<void> {
    if (event.userIds.length === 0) return Promise.resolve();
    const batch = (this.batch ??= this.startBatch());
    const from = batch.messages.length;
    for (const [userId, index] of distinctUsersOf(event)) batch.messages.push([this.channelOf(userId), JSON.stringify(eventOfUser(event, index))]);
    return new Promise<void>((resolve, reject) => batch.waiting.push({ from, to: batch.messages.length, resolve, reject }));
  }

  private startBatch(): PublishBatch {
    const batch: PublishBatch = { messages: [], waiting: [] };
    process.nextTick(() => void this.send(batch));
    return batch;
  }

  private async send(batch: PublishBatch): Promise<void> {
    if (this.batch === batch) this.batch = null;
    const pipeline = this.redis.command.pipeline();
    for (const [channel, message] of batch.messages) pipeline.publish(channel, message);
    try {
      const results = await pipeline.exec();
      for (const waiting of batch.waiting) {
        const failed = results?.slice(waiting.from, waiting.to).find(([error]) => error !== null);
        if (failed) waiting.reject(failed[0]);
        else waiting.resolve();
      }
    } catch (error) {
      for (const waiting of batch.waiting) waiting.reject(error);
    }
  }

  subscribeUser(userId: number, handler: EventHandler): Unsubscribe {
    const first = !this.handlers.has(userId);
    const remove = addHandler(this.handlers, userId, handler);
    if (first) {
      const subscription = ++this.subscriptions;
      this.subscriptionOf.set(userId, subscription);
      this.redis.subscriber.subscribe(this.channelOf(userId)).then(
        () => {
          // Not if the user was let go (and maybe taken again) meanwhile: that SUBSCRIBE confirms itself.
          if (this.subscriptionOf.get(userId) === subscription && !this.disconnected) this.confirmed.add(userId);
        },
        (error: Error) => {
          // ioredis re-subscribes every channel it knows of after a reconnect (and confirmAll marks them).
          this.logger.warn(`Subscribe to user ${userId} deferred: ${error.message}`);
        },
      );
    }
    return () => {
      remove();
      if (!this.handlers.has(userId)) {
        this.confirmed.delete(userId);
        this.subscriptionOf.delete(userId);
        this.redis.subscriber.unsubscribe(this.channelOf(userId)).catch((error: Error) => {
          this.logger.warn(`Unsubscribe from user ${userId} failed: ${error.message}`);
        });
      }
    };
  }

  subscribedUserCount(): number {
    return this.handlers.size;
  }

  isHealthy(): boolean {
    return this.redis.isReady();
  }

  /**
   * After a reconnect: subscribes every user held again (ioredis does too; a repeated SUBSCRIBE is
   * a no-op) and counts them as listening once Redis has confirmed.
   */
  private confirmAll(): void {
    const held = [...this.subscriptionOf];
    if (held.length === 0) return;
    this.redis.subscriber.subscribe(...held.map(([userId]) => this.channelOf(userId))).then(
      () => {
        if (this.disconnected) return;
        for (const [userId, subscription] of held) if (this.subscriptionOf.get(userId) === subscription) this.confirmed.add(userId);
      },
      (error: Error) => this.logger.warn(`Re-subscribe after a reconnect failed: ${error.message}`),
    );
  }

  private channelOf(userId: number): string {
    return `${this.channelPrefix}${userId}`;
  }

  private onMessage(channel: string, message: string): void {
    if (!channel.startsWith(this.channelPrefix)) return;
    const userId = Number(channel.slice(this.channelPrefix.length));
    const handlers = this.handlers.get(userId);
    if (handlers === undefined) return;
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch {
      this.logger.warn(`Ignored a malformed event on ${channel}`);
      return;
    }
    if (isDomainEvent(event)) runHandlers(handlers, event, this.logger);
  }
}
