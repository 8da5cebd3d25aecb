import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config';
import { mapValues } from '../../common/maps';
import { DashboardError } from '../../common/errors';
import { chunksOf, TimeSlicer } from '../../common/time-slicer';
import { fingerprint } from '../../common/fingerprint';
import { DomainEvent } from '../../infra/bus/domain-event';
import { Connection } from '../../realtime/connection';
import { CloseCode, ServerFrame, UpdateMessageType } from '../../realtime/protocol';
import { diffNetworks } from '../../realtime/network-delta';
import { RealtimeServer } from '../../realtime/realtime.server';
import { EarningsService } from '../earnings/earnings.service';
import { NetworkConnectionJson } from '../network/network.mapper';
import { NetworkService } from '../network/network.service';
import { NodeUpdatesService } from '../network/node-updates.service';
import { ReferralService } from '../referral/referral.service';
import { NotificationLiveService } from './notification-live.service';
import { PassOutcome, PassPacer } from './pass-pacer';

/** Network and referral changes are pushed this often at most (they are rarer and smaller). */
const STATE_PUSH_MS = 200;
/** A push pass gives the event loop back after this much work (ms), so no task runs long. */
const SLICE_BUDGET_MS = 5;
/**
 * Users whose state one query of a push pass loads (bounds the rows parsed in one task; a pass
 * of several chunks pushes one while the next loads).
 */
const LOAD_CHUNK = 1_000;
/**
 * The same for NetworkUpdate, whose rows are nodes: a user has many (15 in the bench, thousands
 * for an operator), and 1,000 users' lists (15,000 rows parsed, mapped and fingerprinted) held
 * the event loop ~100 ms.
 */
const NETWORK_LOAD_CHUNK = 100;

type Loader = (userIds: readonly number[]) => Promise<Map<number, ServerFrame<UpdateMessageType>>>;

/**
 * Turns domain events into frames for the affected users' sockets on this instance. Events only
 * mark a user's state dirty; a pass (at once after a quiet spell, then at most once per the
 * type's interval: `PassPacer`) loads the current state of all dirty users in one query per type
 * (EarningsUpdate from the read cache, which ledger credits keep current) and pushes one frame
 * per user, serialised once — so a burst of events costs one push, and EarningsUpdate goes out
 * at most once per EARNINGS_PUSH_MS and only when it changed.
 * NetworkUpdate goes out as a delta against the list last pushed for the user here, so a flush
 * costs each viewer what changed rather than the whole fleet. Also builds the snapshot sent
 * after Connected (the socket's subscribed types), and closes sockets on disable (4401) and on
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
    NodeUpdate: new Set(),
    // Events, pushed by SettlementLiveService (issue 12); never marked dirty here.
    SettlementUpdate: new Set(),
  };
  /** Fingerprint of the last EarningsData sent per user (without updated_at), to skip pushes that change nothing. */
  private readonly lastEarnings = new Map<number, number>();
  /**
   * Per user with sockets here: fingerprints by node id of the list the last NetworkUpdate
   * described (pushed, or a snapshot when nothing was pushed yet); deltas are taken against it.
   */
  private readonly lastNetworks = new Map<number, Map<number, number>>();
  private readonly loaders: Record<UpdateMessageType, Loader>;
  /** The pushed state types' passes, each at most once per its interval, at once after a quiet spell. */
  private readonly pacers = new Map<UpdateMessageType, PassPacer>();

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly earnings: EarningsService,
    private readonly networks: NetworkService,
    private readonly referrals: ReferralService,
    private readonly config: AppConfig,
    private readonly notifications: NotificationLiveService,
    private readonly nodeUpdates: NodeUpdatesService,
  ) {
    this.loaders = {
      EarningsUpdate: async (userIds) =>
        mapValues(await this.earnings.cachedSummaries(userIds), (earnings) => ({ type: 'EarningsUpdate', payload: { earnings } })),
      NetworkUpdate: (userIds) => this.networkDeltas(userIds),
      ReferralUpdate: async (userIds) =>
        mapValues(await this.referrals.summaries(userIds), (referrals) => ({ type: 'ReferralUpdate', payload: { referrals } })),
      // Notifications (issue 17): the unread count is state; Notification events have no snapshot.
      NotificationUpdate: (userIds) => this.notifications.unreadFrames(userIds),
      Notification: () => Promise.resolve(new Map()),
      // Per socket (NodeUpdatesService); never marked dirty here.
      NodeUpdate: () => Promise.resolve(new Map()),
      // Settlement (issue 12): events only, no snapshot.
      SettlementUpdate: () => Promise.resolve(new Map()),
    };
  }

  onModuleInit(): void {
    this.realtime.onUserEvent((userId, event) => this.onEvent(userId, event));
    this.realtime.setSnapshotBuilder((connection) => this.snapshot(connection));
    const intervals: Array<[UpdateMessageType, number]> = [
      // Summaries come from the read cache (credits keep it current), so passes may be close
      // together; each socket still gets at most one per EARNINGS_PUSH_MS (the realtime core
      // holds a frame until its period is over).
      ['EarningsUpdate', Math.max(1, Math.floor(this.config.earnings.pushMs / 10))],
      ['NetworkUpdate', STATE_PUSH_MS],
      ['ReferralUpdate', STATE_PUSH_MS],
      ['NotificationUpdate', STATE_PUSH_MS],
    ];
    for (const [type, intervalMs] of intervals) this.pacers.set(type, new PassPacer(intervalMs, () => this.push(type)));
  }

  onModuleDestroy(): void {
    for (const pacer of this.pacers.values()) pacer.stop();
  }

  private onEvent(userId: number, event: DomainEvent): void {
    switch (event.type) {
      case 'earnings.changed':
        return this.markDirty('EarningsUpdate', userId);
      case 'network.changed':
        return this.markDirty('NetworkUpdate', userId);
      case 'referral.changed':
        return this.markDirty('ReferralUpdate', userId);
      case 'notification.changed':
        return this.markDirty('NotificationUpdate', userId);
      case 'user.disabled':
        this.realtime.closeUser(userId, DashboardError.unauthorized('This account has been disabled'), CloseCode.Unauthorized);
        return;
      case 'network.deleted':
        this.realtime.closeNode(userId, event.deviceId, CloseCode.Replaced, 'node deleted');
        return;
      case 'node.session.started':
        return; // handled by the realtime core's registry
      case 'session.revoked':
        return; // handled by the session validator
      case 'settlement.changed':
        return; // pushed by SettlementLiveService
    }
  }

  private markDirty(type: UpdateMessageType, userId: number): void {
    this.dirty[type].add(userId);
    this.pacers.get(type)?.request();
  }

  /** The state right after Connected: every update type the socket subscribed to that has state. */
  private async snapshot(connection: Connection): Promise<ServerFrame[]> {
    const frames = await Promise.all([...connection.updates].map((type) => this.snapshotOf(type, connection)));
    return frames.filter((frame): frame is ServerFrame<UpdateMessageType> => frame !== undefined);
  }

  private async snapshotOf(type: UpdateMessageType, connection: Connection): Promise<ServerFrame<UpdateMessageType> | undefined> {
    const userId = connection.userId;
    switch (type) {
      case 'NetworkUpdate': {
        const networks = await this.networks.list(userId);
        // The first list seen here is what the next delta is taken against; a later snapshot
        // must not move it, or sockets holding the older list would miss the difference.
        if (!this.lastNetworks.has(userId)) this.lastNetworks.set(userId, diffNetworks(new Map(), networks, nodePrint).fingerprints);
        return { type, payload: { networks, removed: [], full: true } };
      }
      case 'EarningsUpdate': {
        const frame: ServerFrame<'EarningsUpdate'> = { type, payload: { earnings: await this.earnings.summary(userId) } };
        this.lastEarnings.set(userId, earningsKey(frame));
        return frame;
      }
      case 'ReferralUpdate':
        return { type, payload: { referrals: await this.referrals.summary(userId) } };
      case 'Notification':
        // No state to send, but the socket's feed starts now.
        await this.notifications.startFeed([userId]);
        return undefined;
      case 'NodeUpdate':
        return this.nodeUpdates.frameFor(connection);
      case 'NotificationUpdate':
        return (await this.loaders[type]([userId])).get(userId);
      case 'SettlementUpdate':
        // An event only (SettlementLiveService); the epochs themselves are read over REST.
        return undefined;
    }
  }

  /**
   * NetworkUpdate deltas for users with a list pushed (or snapshotted) here before: the nodes
   * added or changed and the ids gone since. A user without one gets the full list.
   */
  private async networkDeltas(userIds: readonly number[]): Promise<Map<number, ServerFrame<'NetworkUpdate'>>> {
    const frames = new Map<number, ServerFrame<'NetworkUpdate'>>();
    const lists = await this.networks.listForUsers(userIds);
    // Diffing fingerprints every node: thousands per user for an operator, so in slices too.
    const slicer = new TimeSlicer(SLICE_BUDGET_MS);
    for (const [userId, networks] of lists) {
      if (slicer.isDue()) await slicer.nextSlice();
      const previous = this.lastNetworks.get(userId);
      const { changed, removed, fingerprints } = diffNetworks(previous ?? new Map(), networks, nodePrint);
      this.lastNetworks.set(userId, fingerprints);
      if (previous === undefined) frames.set(userId, { type: 'NetworkUpdate', payload: { networks, removed: [], full: true } });
      else if (changed.length > 0 || removed.length > 0) frames.set(userId, { type: 'NetworkUpdate', payload: { networks: changed, removed, full: false } });
    }
    return frames;
  }

  /**
   * One pass of a type (its PassPacer runs them one at a time): pushes the current state of the
   * users marked dirty since the last pass to their sockets here. Failed: they are marked again.
   */
  private async push(type: UpdateMessageType): Promise<PassOutcome> {
    const dirty = this.dirty[type];
    const userIds: number[] = [];
    for (const userId of dirty) {
      if (this.realtime.hasSubscriber(userId, type)) userIds.push(userId);
      else this.forgetSent(type, userId);
    }
    dirty.clear();
    if (userIds.length === 0) return 'done';
    // A flush can make tens of thousands of users dirty at once: load them in chunks and push in
    // slices of a few milliseconds, letting heartbeats and other frames through in between. The
    // next chunk loads while this one is pushed: PostgreSQL works while this process writes.
    const slicer = new TimeSlicer(SLICE_BUDGET_MS);
    const chunks = [...chunksOf(userIds, type === 'NetworkUpdate' ? NETWORK_LOAD_CHUNK : LOAD_CHUNK)];
    try {
      let next = this.load(type, chunks[0]!);
      for (let i = 0; i < chunks.length; i++) {
        const { frames, loadStartedAt } = await next;
        if (i + 1 < chunks.length) next = this.load(type, chunks[i + 1]!);
        slicer.restart();
        for (const [userId, frame] of frames) {
          if (type === 'EarningsUpdate') {
            const key = earningsKey(frame);
            if (this.lastEarnings.get(userId) === key) continue;
            this.lastEarnings.set(userId, key);
          }
          this.realtime.pushToUser(userId, frame, loadStartedAt);
          if (slicer.isDue()) await slicer.nextSlice();
        }
      }
    } catch (error) {
      // Try again next pass rather than lose the update (users already pushed to get nothing
      // new: their state is compared with what was sent).
      for (const userId of userIds) dirty.add(userId);
      this.logger.warn({ err: error, type }, 'Could not load state for live updates; will retry');
      return 'failed';
    }
    if (type === 'EarningsUpdate') this.forgetOffline();
    return 'done';
  }

  /** Starts loading one chunk's frames (a failure is seen where it is awaited, never unhandled). */
  private load(type: UpdateMessageType, chunk: readonly number[]): Promise<{ frames: Map<number, ServerFrame<UpdateMessageType>>; loadStartedAt: number }> {
    const loadStartedAt = Date.now();
    const loading = this.loaders[type](chunk).then((frames) => ({ frames, loadStartedAt }));
    loading.catch(() => undefined);
    return loading;
  }

  /**
   * A change nobody here was shown: what was last sent no longer describes what a socket holds,
   * so the next subscriber's snapshot starts the comparison afresh (a NetworkUpdate delta taken
   * against an older list could miss a node that changed and changed back).
   */
  private forgetSent(type: UpdateMessageType, userId: number): void {
    if (type === 'NetworkUpdate') this.lastNetworks.delete(userId);
    else if (type === 'EarningsUpdate') this.lastEarnings.delete(userId);
  }

  /** Keeps the last-sent caches to users who still have sockets here. */
  private forgetOffline(): void {
    const online = this.realtime.onlineUserCount;
    for (const cache of [this.lastEarnings, this.lastNetworks]) {
      if (cache.size <= online * 2) continue;
      for (const userId of cache.keys()) {
        if (this.realtime.connectionsOf(userId).size === 0) cache.delete(userId);
      }
    }
  }
}

/** EarningsData without updated_at, as a fingerprint: a number per online user instead of the JSON. */
function earningsKey(frame: ServerFrame<UpdateMessageType>): number {
  const { updated_at: _ignored, ...rest } = (frame as ServerFrame<'EarningsUpdate'>).payload!.earnings;
  return fingerprint(JSON.stringify(rest));
}

/** A node as the delta sees it: any change of what a client shows (updated_at moves with them). */
function nodePrint(node: NetworkConnectionJson): number {
  return fingerprint(JSON.stringify(node));
}
