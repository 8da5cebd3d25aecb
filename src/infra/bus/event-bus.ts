import { DomainEvent } from './domain-event';

export type EventHandler = (event: DomainEvent) => void;
export type Unsubscribe = () => void;

/**
 * Publish/subscribe of domain events per user. An instance subscribes to a user while it holds a
 * socket of that user; subscriptions are reference-counted by the adapter, so callers simply
 * subscribe once per interested party and call the returned function when done.
 *
 * Delivery is at most once and best effort (events are hints to re-read state, see DomainEvent).
 */
export abstract class EventBus {
  /** Delivers the event to every subscriber of each of its users, on every instance. */
  abstract publish(event: DomainEvent): Promise<void>;

  abstract subscribeUser(userId: number, handler: EventHandler): Unsubscribe;

  /** Users this instance currently listens to (for metrics and tests). */
  abstract subscribedUserCount(): number;

  /** True while the bus can deliver across instances (always true in-process). */
  abstract isHealthy(): boolean;
}
