import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ServerFrame } from '../../realtime/protocol';
import { RealtimeServer } from '../../realtime/realtime.server';
import { toNotificationJson } from './notification.mapper';
import { NotificationRepository } from './notification.repository';

/** New notifications are pushed this often at most. */
const PUSH_MS = 200;
/** Notification frames per user per pass at most (the newest); the count and the feed hold the rest. */
const FRAMES_PER_USER = 20;

/**
 * `Notification {notification}` frames to the /ws/dashboard sockets on this instance: for each
 * user with sockets here, the feed entries newer than the last one it saw. Where "last seen"
 * starts is the snapshot's `NotificationUpdate` (this service builds it), so a socket gets every
 * notification recorded after it connected. A `notification.changed` event only marks the user;
 * a periodic pass loads all marked users in one query.
 */
@Injectable()
export class NotificationLiveService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('NotificationLive');
  /** Per user with sockets here: the newest notification id already accounted for. */
  private readonly seen = new Map<number, number>();
  private readonly dirty = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private pushing = false;
  private lastForgetAt = 0;

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly notifications: NotificationRepository,
  ) {}

  onModuleInit(): void {
    this.realtime.onUserEvent((userId, event) => {
      if (event.type === 'notification.changed') this.dirty.add(userId);
    });
    this.timer = setInterval(() => void this.push(), PUSH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Where Notification frames start for these users (the newest notification now), for sockets
   * that take Notification without NotificationUpdate (whose frames set the mark too).
   */
  async startFeed(userIds: readonly number[]): Promise<void> {
    await this.unreadFrames(userIds.filter((userId) => !this.seen.has(userId)));
  }

  /** NotificationUpdate frames (unread counts); also where a user's "seen" mark starts. */
  async unreadFrames(userIds: readonly number[]): Promise<Map<number, ServerFrame<'NotificationUpdate'>>> {
    const frames = new Map<number, ServerFrame<'NotificationUpdate'>>();
    if (userIds.length === 0) return frames;
    const facts = await this.notifications.unreadAndLatest(userIds);
    for (const [userId, { unread, latestId }] of facts) {
      if (!this.seen.has(userId)) this.seen.set(userId, latestId);
      frames.set(userId, { type: 'NotificationUpdate', payload: { unread } });
    }
    return frames;
  }

  private async push(): Promise<void> {
    if (this.pushing || this.dirty.size === 0) return;
    const marks = new Map<number, number>();
    for (const userId of this.dirty) {
      const seen = this.seen.get(userId);
      if (seen !== undefined && this.realtime.connectionsOf(userId).size > 0) marks.set(userId, seen);
    }
    this.dirty.clear();
    this.forgetOffline();
    if (marks.size === 0) return;
    this.pushing = true;
    try {
      const rows = await this.notifications.newerThan(marks, FRAMES_PER_USER);
      for (const row of rows) {
        if ((this.seen.get(row.user_id) ?? Infinity) >= row.id) continue;
        this.seen.set(row.user_id, row.id);
        this.realtime.pushToUser(row.user_id, { type: 'Notification', payload: { notification: toNotificationJson(row) } });
      }
    } catch (error) {
      for (const userId of marks.keys()) this.dirty.add(userId);
      this.logger.warn({ err: error }, 'Could not load new notifications; will retry');
    } finally {
      this.pushing = false;
    }
  }

  /** Keeps marks only for users who still have sockets here. */
  private forgetOffline(): void {
    if (Date.now() - this.lastForgetAt < 10_000) return;
    this.lastForgetAt = Date.now();
    for (const userId of this.seen.keys()) {
      if (this.realtime.connectionsOf(userId).size === 0) this.seen.delete(userId);
    }
  }
}
