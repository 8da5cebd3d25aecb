import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Counter } from 'prom-client';
import { registeredMetric } from '../../modules/metrics/registered-metric';
import { DomainEvent, DomainEventType } from '../bus/domain-event';
import { EventBus, Unsubscribe } from '../bus/event-bus';

/** What a dashboard reads per user, each invalidated by its own events. */
export type ReadPart = 'earnings' | 'referrals' | 'networks';

/** Which parts each event makes stale. Exhaustive: a new event type must say what it touches. */
const STALE_AFTER: Readonly<Record<DomainEventType, readonly ReadPart[]>> = {
  'earnings.changed': ['earnings'],
  'referral.changed': ['referrals'],
  'network.changed': ['networks'],
  'network.deleted': ['networks'],
  'user.disabled': ['earnings', 'referrals', 'networks'],
  'notification.changed': [],
  'node.session.started': [],
  'session.revoked': [],
  // Settlement epochs are not part of the cached dashboard reads.
  'settlement.changed': [],
};

/**
 * Users cached at most by default (READ_CACHE_MAX_USERS): past it, a user not read since the
 * eviction hand last passed goes (see evictOne), and each holds a bus subscription. Every
 * dashboard viewer online here is read on each push pass, so the bound must exceed them, or each
 * pass evicts the users the next one reads (~1.3 KB each for the earnings summary, plus their node
 * lists where read).
 */
export const DEFAULT_READ_CACHE_MAX_USERS = 100_000;
/**
 * How long an entry is trusted without an event at most (ms). Events are best effort (a lost one
 * must not leave a dashboard stale for ever); callers may pass a shorter validity.
 */
const MAX_AGE_MS = 60_000;
/** How often users whose values have all expired are let go (with their bus subscription). */
const RELEASE_EVERY_MS = 10_000;

/** A part's value as this cache holds it; an updater's result replaces value and basis in place. */
interface Cached {
  value: unknown;
  readonly validUntil: number;
  /** What the value already includes, for its part's updater; absent: events only invalidate it. */
  basis?: unknown;
}

/** A loaded value with what it includes (see ReadUpdater). */
export interface Based<T> {
  readonly value: T;
  readonly basis: unknown;
}

/**
 * Brings a cached value up to date with an event that describes its change (a ledger credit),
 * instead of dropping it: the new value and basis, 'held' when the value includes the change
 * already, or undefined when the event cannot be applied (the value is dropped, as without one).
 */
export type ReadUpdater = (cached: Based<unknown>, event: DomainEvent, userId: number, index: number, now: number) => Based<unknown> | 'held' | undefined;

interface Entry {
  readonly values: Map<ReadPart, Cached>;
  /** Bumped by every invalidation: a load that began before one must not be stored. */
  version: number;
  /** Loads under way (the user is not released meanwhile). */
  loading: number;
  /** Read since the eviction hand last passed it: it gets a second chance (see evictOne). */
  used: boolean;
  readonly unsubscribe: Unsubscribe;
}

/**
 * A per-user cache of dashboard reads (earnings summary, referral summary, node list) in this
 * process, invalidated by the domain events that change them: while it holds a user, it listens
 * to that user's events on the bus (so with REDIS_URL set a write on any instance invalidates it
 * everywhere), and it sees this instance's own events before they are published (so a client
 * reads its own write at once). An unchanged dashboard is read from PostgreSQL once.
 *
 * Cached values are shared between readers: they are plain JSON objects that nobody mutates.
 */
@Injectable()
export class UserReadCache implements OnModuleDestroy {
  private readonly entries = new Map<number, Entry>();
  private hits = 0;
  private misses = 0;
  private readonly reads = registeredMetric(
    'dashboard_read_cache_total',
    () => new Counter({ name: 'dashboard_read_cache_total', help: 'Dashboard reads by part: served from the cache (hit) or the database (miss)', labelNames: ['part', 'result'] }),
  );

  /** Users let go to make room: a steady rate means the bound is below the users read here. */
  private readonly evictions = registeredMetric(
    'dashboard_read_cache_evictions_total',
    () => new Counter({ name: 'dashboard_read_cache_evictions_total', help: 'Users dropped from the dashboard read cache to stay within READ_CACHE_MAX_USERS' }),
  );

  private readonly releaseTimer: NodeJS.Timeout;
  private readonly updaters = new Map<ReadPart, ReadUpdater>();

  constructor(
    private readonly bus: EventBus,
    private readonly maxUsers = DEFAULT_READ_CACHE_MAX_USERS,
  ) {
    bus.tapLocal((event) => this.onEvent(event));
    // Events sent while the bus could not hear them are lost: nothing cached can be trusted.
    bus.onDeliveryGap(() => this.clear());
    this.releaseTimer = setInterval(() => this.releaseIdle(Date.now()), RELEASE_EVERY_MS);
    this.releaseTimer.unref();
  }

  /**
   * The cached value of `part` for the user, or `load()`'s result, kept until an event makes it
   * stale or `validUntil` (ms since epoch; at most MAX_AGE_MS ahead) passes.
   */
  async read<T>(userId: number, part: ReadPart, load: () => Promise<T>, validUntil = Infinity): Promise<T> {
    return this.readBased(userId, part, async () => ({ value: await load(), basis: undefined }), validUntil);
  }

  /**
   * The same for values whose changes the part's updater can apply (`setUpdater`): the load
   * also says what the value includes.
   */
  async readBased<T>(userId: number, part: ReadPart, load: () => Promise<Based<T>>, validUntil = Infinity): Promise<T> {
    // A hit without the bookkeeping of many users (a dashboard read is one user's).
    const entry = this.entries.get(userId);
    const cached = entry?.values.get(part);
    if (cached !== undefined && cached.validUntil > Date.now()) {
      entry!.used = true;
      this.hits += 1;
      this.reads.labels(part, 'hit').inc();
      return cached.value as T;
    }
    return (await this.readMany([userId], part, async () => new Map([[userId, await load()]]), validUntil)).get(userId)!;
  }

  /**
   * Many users' values at once: the cached ones, and the rest in one `loadMany` (which may leave
   * out users that have none). A push pass reads its dirty users so.
   */
  async readMany<T>(
    userIds: readonly number[],
    part: ReadPart,
    loadMany: (userIds: readonly number[]) => Promise<Map<number, Based<T>>>,
    validUntil = Infinity,
  ): Promise<Map<number, T>> {
    const now = Date.now();
    const values = new Map<number, T>();
    const missing: Array<{ userId: number; entry: Entry; version: number; listening: boolean }> = [];
    for (const userId of userIds) {
      const held = this.entries.get(userId);
      const cached = held?.values.get(part);
      if (cached !== undefined && cached.validUntil > now) {
        held!.used = true;
        values.set(userId, cached.value as T);
        continue;
      }
      const entry = held ?? this.entryOf(userId);
      // An updater may build on the value only if no event of the user can have gone unheard since the read began.
      missing.push({ userId, entry, version: entry.version, listening: this.bus.isListening(userId) });
    }
    if (values.size > 0) {
      this.hits += values.size;
      this.reads.labels(part, 'hit').inc(values.size);
    }
    if (missing.length === 0) return values;
    this.misses += missing.length;
    this.reads.labels(part, 'miss').inc(missing.length);
    for (const { entry } of missing) entry.loading += 1;
    let loaded: Map<number, Based<T>>;
    try {
      loaded = await loadMany(missing.map(({ userId }) => userId));
    } finally {
      for (const { entry } of missing) entry.loading -= 1;
    }
    const until = Math.min(validUntil, now + MAX_AGE_MS);
    for (const { userId, entry, version, listening } of missing) {
      const based = loaded.get(userId);
      if (based === undefined) continue;
      values.set(userId, based.value);
      // Stored only if nothing changed while it loaded, and the user is still held.
      if (entry.version === version && this.entries.get(userId) === entry) {
        entry.values.set(part, { value: based.value, validUntil: until, basis: listening ? based.basis : undefined });
      }
    }
    return values;
  }

  /** How events that describe their change (ledger credits) update `part` in place; see ReadUpdater. */
  setUpdater(part: ReadPart, updater: ReadUpdater): void {
    this.updaters.set(part, updater);
  }

  /**
   * The cached value of `part` when it is still valid (counted as a hit), else undefined (counted
   * as nothing: the caller falls back to read(), which counts the miss). For callers that must
   * not wait, e.g. the pre-router's fast reads.
   */
  peek(userId: number, part: ReadPart): unknown {
    const entry = this.entries.get(userId);
    const cached = entry?.values.get(part);
    if (cached === undefined || cached.validUntil <= Date.now()) return undefined;
    entry!.used = true;
    this.hits += 1;
    this.reads.labels(part, 'hit').inc();
    return cached.value;
  }

  /** Reads served from the cache and from the database since start (for metrics and the bench). */
  stats(): { hits: number; misses: number; users: number } {
    return { hits: this.hits, misses: this.misses, users: this.entries.size };
  }

  onModuleDestroy(): void {
    clearInterval(this.releaseTimer);
    for (const entry of this.entries.values()) entry.unsubscribe();
    this.entries.clear();
  }

  /** Drops every value (loads under way are not stored either); the users stay subscribed. */
  clear(): void {
    for (const entry of this.entries.values()) {
      entry.version += 1;
      entry.values.clear();
    }
  }

  /** Lets go of users with nothing valid cached, so idle users hold no bus subscription. */
  releaseIdle(now: number): void {
    for (const [userId, entry] of this.entries) {
      if (entry.loading > 0) continue;
      for (const [part, cached] of entry.values) if (cached.validUntil <= now) entry.values.delete(part);
      if (entry.values.size > 0) continue;
      entry.unsubscribe();
      this.entries.delete(userId);
    }
  }

  private entryOf(userId: number): Entry {
    const existing = this.entries.get(userId);
    if (existing !== undefined) return existing;
    if (this.entries.size >= this.maxUsers) this.evictOne();
    const entry: Entry = {
      values: new Map(),
      version: 0,
      loading: 0,
      used: false,
      unsubscribe: this.bus.subscribeUser(userId, (event) => this.invalidate(userId, event)),
    };
    this.entries.set(userId, entry);
    return entry;
  }

  /**
   * Lets one user go to make room, by second chance (CLOCK): the map's order is the hand's path,
   * oldest first; a user read since the hand last passed is moved to the end with its mark
   * cleared, the first one not read goes. So the dashboards read on every push pass stay, and a
   * burst of one-off reads (a crawl of profiles, a reconnect storm's snapshots) passes through
   * without flushing them out, as taking the oldest did. A hit costs one flag; the hand moves at
   * most once over every user per eviction and clears the marks it passes, so evictions cost O(1)
   * amortised.
   */
  private evictOne(): void {
    for (const [userId, entry] of this.entries) {
      this.entries.delete(userId);
      if (entry.used) {
        entry.used = false;
        this.entries.set(userId, entry);
        continue;
      }
      entry.unsubscribe();
      this.evictions.inc();
      return;
    }
  }

  private onEvent(event: DomainEvent): void {
    event.userIds.forEach((userId, index) => this.invalidate(userId, event, index));
  }

  /** Drops the parts the event makes stale, or brings them up to date where its updater can. */
  private invalidate(userId: number, event: DomainEvent, index = 0): void {
    const entry = this.entries.get(userId);
    if (entry === undefined) return;
    const parts = STALE_AFTER[event.type];
    if (parts.length === 0) return;
    // A load under way may or may not include the change: it is not stored.
    entry.version += 1;
    const now = Date.now();
    for (const part of parts) {
      const cached = entry.values.get(part);
      const updater = this.updaters.get(part);
      const updated =
        cached === undefined || cached.basis === undefined || updater === undefined || cached.validUntil <= now
          ? undefined
          : updater({ value: cached.value, basis: cached.basis }, event, userId, index, now);
      if (updated === 'held') continue;
      if (updated === undefined) {
        entry.values.delete(part);
      } else {
        cached!.value = updated.value;
        cached!.basis = updated.basis;
      }
    }
  }
}
