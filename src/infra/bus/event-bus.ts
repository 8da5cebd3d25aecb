import { Logger } from '@nestjs/common';
import { DomainEvent } from './domain-event';

const logger = new Logger('EventBus');

export type EventHandler = (event: DomainEvent) => void;
export type Unsubscribe = () => void;

/**
 * Publish/subscribe of domain events per user. An instance subscribes to a user while it holds a
 * socket of that user; subscriptions are reference-counted by the adapter, so callers simply
 * subscribe once per interested party and call the returned function when done.
 *
 * Delivery is at most once and best effort (events are hints to re-read state, see DomainEvent);
 * `isListening` and `onDeliveryGap` tell who builds on events (a ledger credit) when it may.
 */
export abstract class EventBus {
  private readonly localTaps: EventHandler[] = [];
  private readonly gapHandlers: Array<() => void> = [];

  /** Delivers the event to every subscriber of each of its users, on every instance. */
  abstract publish(event: DomainEvent): Promise<void>;

  /**
   * Sees every event this instance publishes after a commit, synchronously, before it goes out:
   * for state of this instance that must not wait for the round trip through Redis (the read
   * cache, so that a client reads its own write at once).
   */
  tapLocal(handler: EventHandler): void {
    this.localTaps.push(handler);
  }

  /**
   * Publishes after a committed change. Events are hints to re-read state, so a lost one only
   * delays a live update: a failure is logged, never thrown into the request or write that caused it.
   * Events that name no user are skipped.
   */
  async publishAfterCommit(event: DomainEvent): Promise<void> {
    if (event.userIds.length === 0) return;
    for (const tap of this.localTaps) {
      try {
        tap(event);
      } catch (error) {
        logger.error({ err: error, event: event.type }, 'A local event tap failed');
      }
    }
    try {
      await this.publish(event);
    } catch (error) {
      logger.warn({ err: error, event: event.type }, 'Could not publish an event; live updates may lag');
    }
  }

  abstract subscribeUser(userId: number, handler: EventHandler): Unsubscribe;

  /**
   * True when every event of the user published from now on will reach this instance's handlers:
   * the user's subscription is in place (across instances: confirmed by Redis). Always true in-process.
   */
  isListening(_userId: number): boolean {
    return true;
  }

  /** Called whenever events may have been lost (the connection that receives them dropped). */
  onDeliveryGap(handler: () => void): void {
    this.gapHandlers.push(handler);
  }

  protected reportDeliveryGap(): void {
    for (const handler of this.gapHandlers) {
      try {
        handler();
      } catch (error) {
        logger.error({ err: error }, 'A delivery gap handler failed');
      }
    }
  }

  /** Users this instance currently listens to (for metrics and tests). */
  abstract subscribedUserCount(): number;

  /** True while the bus can deliver across instances (always true in-process). */
  abstract isHealthy(): boolean;
}
