import { Logger } from '@nestjs/common';
import { distinctUsersOf, DomainEvent, eventOfUser } from './domain-event';
import { EventBus, EventHandler, Unsubscribe } from './event-bus';

/** The bus of a single instance without Redis: a map from user to handlers. */
export class InProcessEventBus extends EventBus {
  private readonly logger = new Logger('EventBus');
  private readonly handlers = new Map<number, Set<EventHandler>>();

  publish(event: DomainEvent): Promise<void> {
    this.deliverLocally(event);
    return Promise.resolve();
  }

  subscribeUser(userId: number, handler: EventHandler): Unsubscribe {
    return addHandler(this.handlers, userId, handler);
  }

  subscribedUserCount(): number {
    return this.handlers.size;
  }

  isHealthy(): boolean {
    return true;
  }

  /**
   * Runs the handlers of each user once per event; one failing handler does not stop the others.
   * A credit goes to each user's handlers as that user's part of it, as over Redis.
   */
  private deliverLocally(event: DomainEvent): void {
    const perUser = event.type === 'earnings.changed' && event.credit !== undefined;
    for (const [userId, index] of distinctUsersOf(event)) {
      const handlers = this.handlers.get(userId);
      if (handlers !== undefined) runHandlers(handlers, perUser ? eventOfUser(event, index) : event, this.logger);
    }
  }
}

/** Adds a handler; the returned function removes it (idempotently) and drops empty sets. */
export function addHandler<K>(map: Map<K, Set<EventHandler>>, key: K, handler: EventHandler): Unsubscribe {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(handler);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    const current = map.get(key);
    if (current === undefined) return;
    current.delete(handler);
    if (current.size === 0) map.delete(key);
  };
}

/** Calls each handler; one that throws is logged and does not keep the event from the others. */
export function runHandlers(handlers: ReadonlySet<EventHandler>, event: DomainEvent, logger: Logger): void {
  for (const handler of [...handlers]) {
    try {
      handler(event);
    } catch (error) {
      logger.error({ err: error, event: event.type }, 'Event handler failed');
    }
  }
}
