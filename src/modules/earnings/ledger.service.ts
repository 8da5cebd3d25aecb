import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config';
import { DashboardError } from '../../common/errors';
import { epochOf, ledgerBucketStartMs } from '../../common/epoch';
import { distinctOfLists, forChunks, LoopSlicer, numbersOf, orderInSlices, sortInSlices, yieldToEventLoop } from '../../common/event-loop';
import { newId } from '../../common/ids';
import { MicroPoints, microPointsOf, parseMicroPoints } from '../../common/points';
import { isTransientConflict } from '../../database/pg-errors';
import { EventBus } from '../../infra/bus/event-bus';
import { DomainEvent } from '../../infra/bus/domain-event';
import { NotificationOutbox } from '../notification/outbox/notification-outbox.service';
import { Commission, commissionOfColumns, computeCommission } from './commission';
import { aggregateCredits, BucketRules } from './credit-columns';
import { BalanceCredit, BonusCredit, BonusRow, LedgerBatch, LedgerResult, NetworkCredit, NetworkCreditColumns, NodeColumns, NodeProgressColumns } from './ledger-batch';
import {
  BalanceColumns,
  BucketColumns,
  bucketColumnsOf,
  bucketRowsOf,
  isSafeMicro,
  pickReferralPoints,
  ReferralPointColumns,
  sliceBuckets,
  sliceNodes,
  sliceUserAmounts,
  sumRuns,
  UserAmounts,
} from './ledger-columns';
import { BonusDelta, balanceDeltas } from './ledger-deltas';
import { BatchClaim, BucketCredit, LedgerOutcomeUnknown, LedgerRepository } from './ledger.repository';
import { LedgerMetrics } from './ledger.metrics';
import { ReferralChains, ReferralLink } from './referral-chains';

/** Attempts of a batch that meets a deadlock or serialization failure with a concurrent batch. */
const TRANSIENT_ATTEMPTS = 5;

/**
 * Users one domain event of a batch names at most: a flush's changes go out as many events,
 * with a turn of the event loop between them once its slice is spent, since the bus and its
 * subscribers work per user (a shard's 250,000 users in one event blocked for over half a second).
 */
export const ANNOUNCED_USERS_PER_EVENT = 4_096;

/**
 * The one way points enter the ledger. A batch (node uptime accrual, admin bonus, …) is applied
 * in one transaction (a large one in one per shard of users) of a few set-based statements: Network credits and the tiered referral
 * commission they pay (computed in memory from cached referral chains) into hourly bucket rows,
 * commission into the referrals it flowed through, bonuses, node uptime and points, per-user totals,
 * referral qualification and its bonus. Totals change only together with the rows they sum, so
 * `user_balances == SUM(earnings)` always holds. After commit, domain events name the users whose
 * state changed.
 */
@Injectable()
export class LedgerService {
  private readonly logger = new Logger('Ledger');
  /** Commission rate per tier, in micro-points per point. */
  private readonly rates: MicroPoints[];
  private readonly chains: ReferralChains;
  private readonly qualifyThreshold: MicroPoints;
  private readonly referralBonus: MicroPoints;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly notifications: NotificationOutbox,
    private readonly metrics: LedgerMetrics,
  ) {
    this.rates = config.referral.rates.map((rate) => microPointsOf(rate));
    this.chains = new ReferralChains((refereeIds) => this.ledger.referralLinksOf(this.dataSource.manager, refereeIds));
    this.qualifyThreshold = microPointsOf(config.referral.qualifyPoints);
    this.referralBonus = microPointsOf(config.referral.bonusPoints);
  }

  /**
   * Applies a batch (idempotently, by its id) and announces the changes. A large batch is written
   * as several shards at once, one transaction each, by user range (see `shard`). Throws
   * LedgerOutcomeUnknown when a COMMIT itself failed or only some shards were written (retry the
   * same batch with the same id: written shards are skipped); any other error means nothing was
   * written.
   */
  async apply(batch: LedgerBatch, options: ApplyOptions = {}): Promise<LedgerResult> {
    // Everything that reads no ledger row is worked out before the transactions, so their locks
    // are held only for the writes (and a retry does not redo it).
    const plan = await this.plan(batch);
    const shards = await this.shard(batch.id, plan, batch.shards);
    // From here on the transactions start (in this same turn): aborted before, nothing is written.
    options.signal?.throwIfAborted();
    options.onSplit?.(shards.length);
    if (shards.length === 1) return this.applyShard(shards[0]!);

    const outcomes = await Promise.allSettled(shards.map((shard) => this.applyShard(shard)));
    const failed = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed.length === 0) {
      return mergeResults(outcomes.map((outcome) => (outcome as PromiseFulfilledResult<LedgerResult>).value));
    }
    const written = outcomes.length - failed.length;
    const unknown = failed.find((outcome) => outcome.reason instanceof LedgerOutcomeUnknown);
    if (written === 0 && unknown === undefined) throw failed[0]!.reason;
    // Part of the batch is in the ledger: only a retry under the same id completes it exactly.
    throw new LedgerOutcomeUnknown(unknown?.reason ?? failed[0]!.reason);
  }

  /** One shard in its own transaction, retried on a deadlock or serialization failure; announced after commit. */
  private async applyShard(shard: LedgerShard): Promise<LedgerResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.ledger.inBatchTransaction((manager) => this.applyIn(manager, shard));
        // Only once committed: a referral marked settled is never checked for qualification again.
        this.chains.markSettled(result.completedReferrals.map((referral) => referral.refereeId));
        if (result.applied) await this.announce(result);
        return result;
      } catch (error) {
        if (!isTransientConflict(error) || attempt >= TRANSIENT_ATTEMPTS) throw error;
        this.metrics.retried('batch');
        this.logger.warn(`Ledger batch ${shard.id} met a concurrent batch (attempt ${attempt}); retrying`);
      }
    }
  }

  /** An administrator's bonus: one individual Bonus row. */
  async grantBonus(userId: number, amount: MicroPoints, note: string | null): Promise<BonusRow> {
    if (amount <= 0n) throw DashboardError.validation('amount must be positive');
    const ref = `admin:${newId(16)}`;
    const result = await this.apply({
      id: `bonus:${ref}`,
      network: [],
      nodes: [],
      bonuses: [{ userId, amount, at: new Date(), ref, note }],
    });
    const row = result.bonusRows.find((bonus) => bonus.ref === ref);
    if (row === undefined) throw new Error('Bonus row was not written');
    return row;
  }

  /**
   * The batch's Network credits summed per (user, bucket) and the commission they pay up each
   * earner's referral chain (chains from memory, loaded on first sight), summed per ancestor and
   * bucket and per referral: the ledger then writes each row once.
   */
  private async plan(batch: LedgerBatch): Promise<LedgerShard> {
    // Columns and plain numbers while the amounts allow (`CreditColumns`), bigints otherwise; the
    // plan and its shards are columns either way (`ledger-columns.ts`), down to the statements.
    const aggregated = await aggregateCredits(batch.network, this.bucketRules);
    await yieldToEventLoop();
    let network: BucketColumns;
    let commission: Commission | null = null;
    if (aggregated !== null) {
      network = aggregated;
      if (aggregated.length > 0 && this.rates.length > 0) {
        const chains = await this.chains.columnsOf(aggregated.userIds, aggregated.length, this.rates.length);
        await yieldToEventLoop();
        commission = await commissionOfColumns(aggregated, chains, this.rates);
      }
    } else {
      network = bucketColumnsOf(
        await this.aggregate(batch.network instanceof NetworkCreditColumns ? batch.network.toCredits() : batch.network),
      );
    }
    await yieldToEventLoop();
    if (commission === null) {
      // Beyond 2^53 micro-points (or no rates): bigint arithmetic on rows.
      const rows = bucketRowsOf(network);
      const chains =
        rows.length === 0 || this.rates.length === 0
          ? new Map<number, ReferralLink[]>()
          : await this.chains.chainsOf(
              rows.map((credit) => credit.userId),
              this.rates.length,
            );
      await yieldToEventLoop();
      commission = await computeCommission(rows, chains, this.rates);
      await yieldToEventLoop();
    }
    return {
      id: batch.id,
      creditCount: batch.network.length + batch.nodes.length + batch.bonuses.length,
      network,
      qualifiers: await this.qualifiersOf(network),
      referral: commission.buckets,
      referralPoints: commission.referralPoints,
      nodes: await nodeColumnsOf(batch.nodes),
      bonuses: batch.bonuses,
    };
  }

  /**
   * The earners whose referral may still qualify, with what this batch adds to their lifetime
   * Network points; in user order. Users without a referrer and referrals known to be settled
   * are left out (most of a mature network's earners), so qualification reads only the rest.
   */
  private async qualifiersOf(network: BucketColumns): Promise<UserAmounts> {
    // `network` is in user order: a user's credits (one per bucket) are next to each other.
    const slicer = new LoopSlicer();
    const userIds = new Float64Array(network.length);
    const starts = new Uint32Array(network.length);
    const ends = new Uint32Array(network.length);
    let count = 0;
    await forChunks(
      network.length,
      (start, end) => {
        for (let i = start; i < end; i++) {
          const userId = network.userIds[i]!;
          if (count > 0 && userIds[count - 1] === userId) ends[count - 1] = i + 1;
          else if (this.chains.mayQualify(userId)) {
            userIds[count] = userId;
            starts[count] = i;
            ends[count++] = i + 1;
          }
        }
      },
      slicer,
    );
    return { length: count, userIds: userIds.subarray(0, count), amounts: await sumRuns(network.amounts, starts, ends, count, slicer) };
  }

  /**
   * Splits a large plan by user range into shards that write disjoint rows: each row goes to the
   * shard of the user it belongs to (bucket rows and balances: their user; a referral row: its
   * referee), so shards of one flush do not wait for each other. Each shard is its own batch
   * (`<id>#<k>/<n>`), so a retry of the batch skips the shards already written. The split
   * depends only on the batch, so a retry splits it the same way.
   */
  private async shard(id: string, plan: LedgerShard, fixedCount: number | undefined): Promise<LedgerShard[]> {
    // plan.network is in user order already: its distinct users come out sorted.
    const slicer = new LoopSlicer();
    const users = new Float64Array(plan.network.length);
    let userCount = 0;
    await forChunks(
      plan.network.length,
      (start, end) => {
        for (let i = start; i < end; i++) {
          if (userCount === 0 || users[userCount - 1] !== plan.network.userIds[i]) users[userCount++] = plan.network.userIds[i]!;
        }
      },
      slicer,
    );
    const count =
      fixedCount !== undefined
        ? Math.min(fixedCount, userCount)
        : Math.min(this.config.earnings.flushShards, Math.floor(userCount / this.config.earnings.flushShardMinUsers));
    if (count <= 1) return [plan];
    // Shard k holds users from bounds[k] (inclusive) up to bounds[k + 1].
    const bounds = Array.from({ length: count }, (_, k) => (k === 0 ? -Infinity : users[Math.floor((k * userCount) / count)]!));
    const shardOf = (userId: number): number => {
      let k = count - 1;
      while (userId < bounds[k]!) k--;
      return k;
    };
    // Referral points are by referral id, sharded by referee: each shard picks its rows' indices.
    const points = plan.referralPoints;
    const shardOfPoint = new Uint8Array(points.length);
    const pointCounts = new Uint32Array(count);
    await forChunks(
      points.length,
      (start, end) => {
        for (let i = start; i < end; i++) pointCounts[(shardOfPoint[i] = shardOf(points.refereeIds[i]!))]!++;
      },
      slicer,
    );
    const picked = Array.from({ length: count }, (_, k) => new Uint32Array(pointCounts[k]!));
    const filled = new Uint32Array(count);
    await forChunks(
      points.length,
      (start, end) => {
        for (let i = start; i < end; i++) picked[shardOfPoint[i]!]![filled[shardOfPoint[i]!]!++] = i;
      },
      slicer,
    );
    const shards: LedgerShard[] = [];
    for (let k = 0; k < count; k++) {
      const from = bounds[k]!;
      const to = k + 1 < count ? bounds[k + 1]! : Infinity;
      // These three are in user order: each shard's rows are one slice (a view) of them.
      const rowsOfShard = (rows: { userIds: Float64Array; length: number }): [number, number] => [
        firstAtOrAfter(rows.userIds, rows.length, from),
        firstAtOrAfter(rows.userIds, rows.length, to),
      ];
      const network = sliceBuckets(plan.network, ...rowsOfShard(plan.network));
      const qualifiers = sliceUserAmounts(plan.qualifiers, ...rowsOfShard(plan.qualifiers));
      const referral = sliceBuckets(plan.referral, ...rowsOfShard(plan.referral));
      // Each node row is in one shard, whichever: spread them evenly.
      const nodes = sliceNodes(plan.nodes, Math.ceil((k * plan.nodes.length) / count), Math.ceil(((k + 1) * plan.nodes.length) / count));
      const bonuses = plan.bonuses.filter((bonus) => shardOf(bonus.userId) === k);
      shards.push({
        id: `${id}#${k + 1}/${count}`,
        creditCount: network.length + nodes.length + bonuses.length,
        network,
        qualifiers,
        referral,
        referralPoints: await pickReferralPoints(points, picked[k]!, picked[k]!.length, slicer),
        nodes,
        bonuses,
      });
      await slicer.yield();
    }
    return shards;
  }

  /**
   * Writes one shard. Lock order, the same in every transaction (so concurrent batches of this
   * and other instances wait for each other but never deadlock): Network bucket rows, node rows,
   * Referral bucket rows, referral rows (all of them, the earners' own included, in one pass by
   * id), new bonus rows, balances (one pass by user), each pass in key order; later statements on
   * referrals touch only rows already locked.
   */
  private async applyIn(manager: EntityManager, shard: LedgerShard): Promise<LedgerResult> {
    const claim = await this.ledger.claimBatch(manager, shard.id, shard.creditCount);
    if (claim === null) {
      this.logger.warn(`Ledger batch ${shard.id} was applied before; skipped`);
      return emptyResult(false);
    }

    // Rows only this batch's users own first, rows shared with other instances' batches (their
    // ancestors') last, so those are held for the shortest time.
    await this.ledger.addToBuckets(manager, 'Network', shard.network);
    const networkChanged = await this.ledger.advanceNodes(manager, shard.nodes);
    await this.ledger.addToBuckets(manager, 'Referral', shard.referral);
    await this.ledger.addToReferralPoints(manager, shard.referralPoints);
    const bonusRows = await this.ledger.insertBonuses(
      manager,
      shard.bonuses,
      shard.bonuses.map((bonus) => this.epochOf(bonus.at)),
    );

    const bonusDeltas: BonusDelta[] = bonusRows.map((row) => ({ userId: row.userId, amount: parseMicroPoints(row.amount) }));

    // Referral qualification: the referee's lifetime Network points (with this batch's) reached the bar.
    const completed = await this.ledger.completeQualified(manager, shard.qualifiers, this.qualifyThreshold);
    const referralBonusRows: BonusRow[] = [];
    if (completed.length > 0 && this.referralBonus > 0n) {
      const now = new Date();
      const bonuses: BonusCredit[] = completed.map((referral) => ({
        userId: referral.referrerId,
        amount: this.referralBonus,
        at: now,
        ref: `referral:${referral.referralId}`,
        note: 'Referral qualified',
      }));
      referralBonusRows.push(
        ...(await this.ledger.insertBonuses(manager, bonuses, bonuses.map((bonus) => this.epochOf(bonus.at)))),
      );
      for (const row of referralBonusRows) bonusDeltas.push({ userId: row.userId, amount: this.referralBonus });
    }
    const slicer = new LoopSlicer();
    const deltas = await balanceDeltas(shard.network, shard.referral, bonusDeltas, slicer);
    await this.ledger.addToBalances(manager, deltas);
    if (completed.length > 0) {
      await this.ledger.markRewarded(
        manager,
        completed.map((referral) => referral.referralId),
        this.referralBonus,
      );
    }

    // Notifications (issue 17): bonus.credited and referral.rewarded, in this transaction.
    await this.notifications.recordLedgerChanges(manager, {
      credited: bonusRows,
      bonuses: shard.bonuses,
      rewarded: completed,
      referralBonus: this.referralBonus,
    });

    const rewardedReferrers = completed.map((referral) => referral.referrerId).sort((a, b) => a - b);
    return {
      applied: true,
      earningsChanged: await numbersOf(deltas.userIds, deltas.length, slicer),
      // shard.referral is in user order (repeats adjacent): merged with the rewarded referrers, ascending.
      referralChanged: await distinctOfLists([shard.referral.userIds, rewardedReferrers], slicer),
      networkChanged,
      completedReferrals: completed,
      bonusRows: [...bonusRows, ...referralBonusRows],
      credit: balanceCreditOf(claim, shard, deltas),
    };
  }

  /** Sums credits per (user, ledger bucket): one row per key, as ON CONFLICT requires; in key order. */
  private async aggregate(credits: readonly NetworkCredit[]): Promise<BucketCredit[]> {
    // Nearly every credit of a flush falls into one or two buckets: group by bucket, then by user.
    const byBucket = new Map<number, Map<number, MicroPoints>>();
    const slicer = new LoopSlicer();
    for (const credit of credits) {
      if (slicer.due()) await slicer.yield();
      if (credit.amount <= 0n) continue;
      const bucketMs = ledgerBucketStartMs(credit.at.getTime(), this.config.earnings);
      let users = byBucket.get(bucketMs);
      if (users === undefined) byBucket.set(bucketMs, (users = new Map()));
      // A user's first credit in the bucket is kept as it is: no bigint allocated per credit.
      const sum = users.get(credit.userId);
      users.set(credit.userId, sum === undefined ? credit.amount : sum + credit.amount);
    }
    const aggregated: BucketCredit[] = [];
    for (const [bucketMs, users] of byBucket) {
      const bucket = new Date(bucketMs);
      const epoch = this.epochOf(bucket);
      for (const [userId, amount] of users) {
        if (slicer.due()) await slicer.yield();
        aggregated.push({ userId, bucket, epoch, amount });
      }
    }
    return sortInSlices(aggregated, (x, y) => x.userId - y.userId || x.bucket.getTime() - y.bucket.getTime(), slicer);
  }

  private readonly bucketRules: BucketRules = {
    bucketStartMs: (ms) => ledgerBucketStartMs(ms, this.config.earnings),
    epochOf: (bucket) => this.epochOf(bucket),
  };

  private epochOf(at: Date): number {
    return epochOf(at, this.config.earnings);
  }

  /** The users whose state changed (`changeEvents`), a turn of the event loop between events once the slice is spent. */
  private async announce(result: LedgerResult): Promise<void> {
    const slicer = new LoopSlicer();
    for (const event of changeEvents(result)) {
      if (slicer.spent()) await slicer.yield();
      await this.bus.publishAfterCommit(event);
    }
  }
}

/**
 * The domain events of a batch's changes: each list of users in events of at most
 * ANNOUNCED_USERS_PER_EVENT. With a credit, `earnings.changed` carries each user's amounts, and
 * users whose change it does not describe go in events of their own, without one.
 */
export function* changeEvents(result: LedgerResult): Generator<DomainEvent> {
  const changes = [
    ['earnings.changed', result.earningsChanged],
    ['referral.changed', result.referralChanged],
    ['network.changed', result.networkChanged],
  ] as const;
  for (const [type, userIds] of changes) {
    for (let from = 0; from < userIds.length; from += ANNOUNCED_USERS_PER_EVENT) {
      const to = Math.min(from + ANNOUNCED_USERS_PER_EVENT, userIds.length);
      if (type === 'earnings.changed' && result.credit !== undefined) yield* creditedEvents(result.credit, userIds, from, to);
      else yield { type, userIds: userIds.slice(from, to) };
    }
  }
}

/** `earnings.changed` for users `from … to` of a credited result: those the credit describes with their amounts, the rest without. */
function* creditedEvents(credit: BalanceCredit, userIds: readonly number[], from: number, to: number): Generator<DomainEvent> {
  const described: number[] = [];
  const amounts: number[] = [];
  const others: number[] = [];
  for (let i = from; i < to; i++) {
    const network = credit.network[i]!;
    if (Number.isNaN(network)) {
      others.push(userIds[i]!);
    } else {
      described.push(userIds[i]!);
      amounts.push(network, credit.referral[i]!);
    }
  }
  const { tx, at, bucket, epoch } = credit;
  if (described.length > 0) yield { type: 'earnings.changed', userIds: described, credit: { tx, at, bucket, epoch, amounts } };
  if (others.length > 0) yield { type: 'earnings.changed', userIds: others };
}

/**
 * What a transaction added to each user's balance (`deltas`, in `earningsChanged` order), as a
 * credit the announcement can carry: only when its id is known, all of its Network and Referral
 * credits went into one bucket and the amounts are plain numbers. Users with a bonus are marked
 * NaN (a bonus row has its own timestamp, which may fall on another day than the bucket).
 */
function balanceCreditOf(claim: BatchClaim, shard: LedgerShard, deltas: BalanceColumns): BalanceCredit | undefined {
  if (claim.tx === null || deltas.length === 0) return undefined;
  const buckets = new Map<number, number>();
  for (const { bucket, epoch } of [...shard.network.buckets, ...shard.referral.buckets]) buckets.set(bucket.getTime(), epoch);
  if (buckets.size !== 1) return undefined;
  if (!(deltas.network instanceof Float64Array) || !(deltas.referral instanceof Float64Array)) return undefined;
  const network = Float64Array.from(deltas.network.subarray(0, deltas.length));
  const bonus = deltas.bonus;
  for (let k = 0; k < deltas.length; k++) if (Number(bonus[k]) !== 0) network[k] = NaN;
  const [[bucket, epoch]] = buckets;
  return { tx: claim.tx, at: claim.nowMs, bucket: bucket!, epoch: epoch!, network, referral: deltas.referral.subarray(0, deltas.length) };
}

/** How a caller follows an `apply` in progress. */
export interface ApplyOptions {
  /** Aborted before the batch's transactions start, `apply` writes nothing and throws the abort reason. */
  readonly signal?: AbortSignal;
  /**
   * Called as the transactions start, with the number of shards (transactions) of the batch: from
   * then on its outcome may be a partial write, which only a retry with that split completes.
   */
  readonly onSplit?: (shards: number) => void;
}

/** What one transaction of a batch writes, worked out before it starts; rows as columns. */
interface LedgerShard {
  /** The batch id, or for a shard `<batch id>#<k>/<n>`. */
  readonly id: string;
  readonly creditCount: number;
  /** Network bucket credits of the earners, in key order. */
  readonly network: BucketColumns;
  /** Earners whose referral may still qualify, with this batch's Network points; in user order. */
  readonly qualifiers: UserAmounts;
  /** Referral bucket credits of their ancestors, in key order. */
  readonly referral: BucketColumns;
  /** By referral id. */
  readonly referralPoints: ReferralPointColumns;
  /** In node id order. */
  readonly nodes: NodeColumns;
  readonly bonuses: readonly BonusCredit[];
}

/**
 * The shards' results as one. Each shard's user lists are ascending, so they are merged in order
 * (`distinctOfLists`), each user once, in slices of the event loop.
 */
async function mergeResults(results: readonly LedgerResult[]): Promise<LedgerResult> {
  const slicer = new LoopSlicer();
  return {
    applied: results.some((result) => result.applied),
    earningsChanged: await distinctOfLists(results.map((result) => result.earningsChanged), slicer),
    referralChanged: await distinctOfLists(results.map((result) => result.referralChanged), slicer),
    networkChanged: await distinctOfLists(results.map((result) => result.networkChanged), slicer),
    completedReferrals: results.flatMap((result) => result.completedReferrals),
    bonusRows: results.flatMap((result) => result.bonusRows),
  };
}

/** The index of the first of `userIds[0 … length)` (in user order) that is `userId` or later. */
function firstAtOrAfter(userIds: Float64Array, length: number, userId: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (userIds[middle]! < userId) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A batch's node progress as columns in node id order (a flush's come so; objects are sorted and converted). */
async function nodeColumnsOf(nodes: LedgerBatch['nodes']): Promise<NodeColumns> {
  if (nodes instanceof NodeProgressColumns) return nodes;
  const objects = nodes;
  const slicer = new LoopSlicer();
  const order = await orderInSlices(Float64Array.from(objects, (node) => node.nodeId), objects.length, slicer);
  const sorted = Array.from(order, (i) => objects[i]!);
  const safe = sorted.every((node) => isSafeMicro(node.points));
  return {
    length: sorted.length,
    nodeIds: Float64Array.from(sorted, (node) => node.nodeId),
    seconds: Float64Array.from(sorted, (node) => node.seconds),
    points: safe ? Float64Array.from(sorted, (node) => Number(node.points)) : sorted.map((node) => node.points),
    scores: Float64Array.from(sorted, (node) => node.score),
    lastSeenMs: Float64Array.from(sorted, (node) => node.lastSeenAt.getTime()),
  };
}

function emptyResult(applied: boolean): LedgerResult {
  return { applied, earningsChanged: [], referralChanged: [], networkChanged: [], completedReferrals: [], bonusRows: [] };
}
