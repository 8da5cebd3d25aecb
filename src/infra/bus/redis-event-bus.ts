import { Logger } from '@nestjs/common';
import { RedisClients } from '../redis/redis-clients';
import { DomainEvent, isDomainEvent } from './domain-event';
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

  constructor(private readonly redis: RedisClients) {
    super();
    this.channelPrefix = redis.key('user', '');
    redis.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  /**
   * Events published in one tick go out as one pipeline (one write): a registration batch of a
   * reconnect storm announces hundreds of node sessions at once. Each event's promise settles with
   * its own commands' results.
   */
  publish(event: DomainEvent): Promise<void> {
    const userIds = [...new Set(event.userIds)];
    if (userIds.length === 0) return Promise.resolve();
    const batch = (this.batch ??= this.startBatch());
    const from = batch.messages.length;
    for (const userId of userIds) batch.messages.push([this.channelOf(userId), JSON.stringify({ ...event, userIds: [userId] })]);
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
      this.redis.subscriber.subscribe(this.channelOf(userId)).catch((error: Error) => {
        // ioredis re-subscribes every channel it knows of after a reconnect.
        this.logger.warn(`Subscribe to user ${userId} deferred: ${error.message}`);
      });
    }
    return () => {
      remove();
      if (!this.handlers.has(userId)) {
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
