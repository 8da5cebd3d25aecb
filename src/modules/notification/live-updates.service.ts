import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config';
import { DashboardError } from '../../common/errors';
import { DomainEvent } from '../../infra/bus/domain-event';
import { Connection } from '../../realtime/connection';
import { CloseCode, ServerFrame, UpdateMessageType } from '../../realtime/protocol';
import { RealtimeServer } from '../../realtime/realtime.server';
import { EarningsService } from '../earnings/earnings.service';
import { NetworkService } from '../network/network.service';
import { ReferralService } from '../referral/referral.service';
import { NotificationLiveService } from './notification-live.service';

/** Network and referral changes are pushed this often at most (they are rarer and smaller). */
const STATE_PUSH_MS = 200;
/** Users pushed to between two yields to the event loop. */
const PUSH_SLICE = 500;

type Loader = (userIds: readonly number[]) => Promise<Map<number, ServerFrame<UpdateMessageType>>>;

/**
 * Turns domain events into frames for the affected users' sockets on this instance. Events only
 * mark a user's state dirty; a periodic pass loads the current state of all dirty users in one
 * query per type and pushes one frame per user, serialised once — so a burst of events costs one
 * push, and EarningsUpdate goes out at most once per EARNINGS_PUSH_MS and only when it changed.
 * Also builds the snapshot sent after Connected, and closes sockets on disable (4401) and on
 * node deletion (4001).
 */
@Injectable()
export class LiveUpdatesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LiveUpdates');
  private readonly dirty: Record<UpdateMessageType, Set<number>> = {
    NetworkUpdate: new Set(),
    EarningsUpdate: new Set(),
    ReferralUpdate: new Set(),
    NotificationUpdate: new Set(),
    // Events, pushed by NotificationLiveService (issue 17); never marked dirty here.
    Notification: new Set(),
    // Events, pushed by SettlementLiveService (issue 12); never marked dirty here.
    SettlementUpdate: new Set(),
  };
  /** Fingerprint of the last EarningsData sent per user (without updated_at), to skip pushes that change nothing. */
  private readonly lastEarnings = new Map<number, number>();
  private readonly loaders: Record<UpdateMessageType, Loader>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<UpdateMessageType>();

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly earnings: EarningsService,
    private readonly networks: NetworkService,
    private readonly referrals: ReferralService,
    private readonly config: AppConfig,
    private readonly notifications: NotificationLiveService,
  ) {
    this.loaders = {
      EarningsUpdate: async (userIds) =>
        mapValues(await this.earnings.summaries(userIds), (earnings) => ({ type: 'EarningsUpdate', payload: { earnings } })),
      NetworkUpdate: async (userIds) =>
        mapValues(await this.networks.listForUsers(userIds), (networks) => ({ type: 'NetworkUpdate', payload: { networks } })),
      ReferralUpdate: async (userIds) =>
        mapValues(await this.referrals.summaries(userIds), (referrals) => ({ type: 'ReferralUpdate', payload: { referrals } })),
      // Notifications (issue 17): the unread count is state; Notification events have no snapshot.
      NotificationUpdate: (userIds) => this.notifications.unreadFrames(userIds),
      Notification: () => Promise.resolve(new Map()),
      // Settlement (issue 12): events only, no snapshot.
      SettlementUpdate: () => Promise.resolve(new Map()),
    };
  }

  onModuleInit(): void {
    this.realtime.onUserEvent((userId, event) => this.onEvent(userId, event));
    this.realtime.setSnapshotBuilder((connection) => this.snapshot(connection));
    this.every(this.config.earnings.pushMs, () => this.push('EarningsUpdate'));
    this.every(STATE_PUSH_MS, () => this.push('NetworkUpdate'));
    this.every(STATE_PUSH_MS, () => this.push('ReferralUpdate'));
    this.every(STATE_PUSH_MS, () => this.push('NotificationUpdate'));
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private onEvent(userId: number, event: DomainEvent): void {
    switch (event.type) {
      case 'earnings.changed':
        this.dirty.EarningsUpdate.add(userId);
        return;
      case 'network.changed':
        this.dirty.NetworkUpdate.add(userId);
        return;
      case 'referral.changed':
        this.dirty.ReferralUpdate.add(userId);
        return;
      case 'notification.changed':
        this.dirty.NotificationUpdate.add(userId);
        return;
      case 'user.disabled':
        this.realtime.closeUser(userId, DashboardError.unauthorized('This account has been disabled'), CloseCode.Unauthorized);
        return;
      case 'network.deleted':
        this.realtime.closeNode(userId, event.deviceId, CloseCode.Replaced, 'node deleted');
        return;
      case 'node.session.started':
        return; // handled by the realtime core's registry
      case 'settlement.changed':
        return; // pushed by SettlementLiveService
    }
  }

  /** The state right after Connected: every update type the endpoint carries. */
  private async snapshot(connection: Connection): Promise<ServerFrame[]> {
    const userId = connection.userId;
    const frames = await Promise.all(
      connection.endpoint.carries.map(async (type) => (await this.loaders[type]([userId])).get(userId)),
    );
    const earnings = frames.find((frame) => frame?.type === 'EarningsUpdate');
    if (earnings !== undefined) this.lastEarnings.set(userId, earningsKey(earnings));
    return frames.filter((frame): frame is ServerFrame<UpdateMessageType> => frame !== undefined);
  }

  private async push(type: UpdateMessageType): Promise<void> {
    const dirty = this.dirty[type];
    if (dirty.size === 0 || this.inFlight.has(type)) return;
    const userIds = [...dirty].filter((userId) => this.realtime.connectionsOf(userId).size > 0);
    dirty.clear();
    if (userIds.length === 0) return;
    this.inFlight.add(type);
    try {
      const frames = await this.loaders[type](userIds);
      let written = 0;
      for (const [userId, frame] of frames) {
        if (type === 'EarningsUpdate') {
          const key = earningsKey(frame);
          if (this.lastEarnings.get(userId) === key) continue;
          this.lastEarnings.set(userId, key);
        }
        this.realtime.pushToUser(userId, frame);
        // A flush can make tens of thousands of users dirty at once: push in slices, letting
        // heartbeats and other frames through in between instead of stalling them all.
        if (++written % PUSH_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      // Try again next round rather than lose the update.
      for (const userId of userIds) dirty.add(userId);
      this.logger.warn({ err: error, type }, 'Could not load state for live updates; will retry');
    } finally {
      this.inFlight.delete(type);
    }
    if (type === 'EarningsUpdate') this.forgetOffline();
  }

  /** Keeps the last-sent cache to users who still have sockets here. */
  private forgetOffline(): void {
    if (this.lastEarnings.size <= this.realtime.usersOnline().length * 2) return;
    for (const userId of this.lastEarnings.keys()) {
      if (this.realtime.connectionsOf(userId).size === 0) this.lastEarnings.delete(userId);
    }
  }

  private every(ms: number, work: () => Promise<void>): void {
    const timer = setInterval(() => void work(), ms);
    timer.unref();
    this.timers.push(timer);
  }
}

/**
 * A 53-bit fingerprint of EarningsData without updated_at: a number per online user instead of
 * the whole JSON (hundreds of bytes each at a hundred thousand users). Two 32-bit FNV-1a hashes
 * with different offsets; a collision (≈ 2^-53) would only delay one update to the next change.
 */
function earningsKey(frame: ServerFrame<UpdateMessageType>): number {
  const { updated_at: _ignored, ...rest } = (frame as ServerFrame<'EarningsUpdate'>).payload!.earnings;
  const text = JSON.stringify(rest);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x811c9dc5) >>> 0;
  }
  return (a & 0x1fffff) * 0x100000000 + b;
}

function mapValues<K, V, W>(map: Map<K, V>, fn: (value: V) => W): Map<K, W> {
  const result = new Map<K, W>();
  for (const [key, value] of map) result.set(key, fn(value));
  return result;
}
