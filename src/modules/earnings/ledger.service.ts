import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config';
import { DashboardError } from '../../common/errors';
import { epochOf, ledgerBucketOf } from '../../common/epoch';
import { newId } from '../../common/ids';
import { MicroPoints, microPointsOf, parseMicroPoints } from '../../common/points';
import { isTransientConflict } from '../../database/pg-errors';
import { EventBus } from '../../infra/bus/event-bus';
import { DomainEvent } from '../../infra/bus/domain-event';
import { NotificationOutbox } from '../notification/outbox/notification-outbox.service';
import { Commission, computeCommission } from './commission';
import { BonusCredit, BonusRow, LedgerBatch, LedgerResult } from './ledger-batch';
import { BalanceDelta, BucketCredit, LedgerRepository } from './ledger.repository';
import { ReferralChains } from './referral-chains';

/** Attempts of a batch that meets a deadlock or serialization failure with a concurrent batch. */
const TRANSIENT_ATTEMPTS = 5;

/**
 * The one way points enter the ledger. A batch (node uptime accrual, admin bonus, …) is applied
 * in one transaction of a few set-based statements: Network credits and the tiered referral
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
  ) {
    this.rates = config.referral.rates.map((rate) => microPointsOf(rate));
    this.chains = new ReferralChains((refereeIds) => this.ledger.referralLinksOf(this.dataSource.manager, refereeIds));
    this.qualifyThreshold = microPointsOf(config.referral.qualifyPoints);
    this.referralBonus = microPointsOf(config.referral.bonusPoints);
  }

  /**
   * Applies a batch (idempotently, by its id) and announces the changes. Throws
   * LedgerOutcomeUnknown when the COMMIT itself failed (the batch may or may not be written:
   * retry it with the same id); any other error means nothing was written.
   */
  async apply(batch: LedgerBatch): Promise<LedgerResult> {
    // Everything that reads no ledger row is worked out before the transaction, so its locks are
    // held only for the writes (and a retry does not redo it).
    const plan = await this.plan(batch);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.transaction((manager) => this.applyIn(manager, batch, plan));
        if (result.applied) await this.announce(result);
        return result;
      } catch (error) {
        if (!isTransientConflict(error) || attempt >= TRANSIENT_ATTEMPTS) throw error;
        this.logger.warn(`Ledger batch ${batch.id} met a concurrent batch (attempt ${attempt}); retrying`);
      }
    }
  }

  /** A transaction that tells a failed COMMIT (outcome unknown) from an earlier failure (rolled back). */
  private async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner('master');
    try {
      await runner.connect();
      await runner.startTransaction('READ COMMITTED');
      // A flush sorts and hashes hundreds of thousands of rows; the default 4 MB spills to disk.
      await runner.query(`SET LOCAL work_mem = '64MB'`);
      let result: T;
      try {
        result = await work(runner.manager);
      } catch (error) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
      try {
        await runner.commitTransaction();
      } catch (error) {
        throw new LedgerOutcomeUnknown(error);
      }
      return result;
    } finally {
      await runner.release().catch(() => undefined);
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
  private async plan(batch: LedgerBatch): Promise<LedgerPlan> {
    const networkCredits = this.aggregate(batch.network);
    if (networkCredits.length === 0 || this.rates.length === 0) {
      return { networkCredits, commission: { buckets: [], referralPoints: [], byAncestor: new Map() } };
    }
    const chains = await this.chains.chainsOf(
      networkCredits.map((credit) => credit.userId),
      this.rates.length,
    );
    return { networkCredits, commission: computeCommission(networkCredits, chains, this.rates) };
  }

  private async applyIn(manager: EntityManager, batch: LedgerBatch, plan: LedgerPlan): Promise<LedgerResult> {
    const creditCount = batch.network.length + batch.nodes.length + batch.bonuses.length;
    if (!(await this.ledger.claimBatch(manager, batch.id, creditCount))) {
      this.logger.warn(`Ledger batch ${batch.id} was applied before; skipped`);
      return emptyResult(false);
    }

    const { networkCredits, commission } = plan;
    await this.ledger.addToBuckets(manager, networkCredits, commission.buckets);
    await this.ledger.addToReferralPoints(manager, commission.referralPoints);
    const bonusRows = await this.ledger.insertBonuses(
      manager,
      batch.bonuses,
      batch.bonuses.map((bonus) => this.epochOf(bonus.at)),
    );
    const networkChanged = await this.ledger.advanceNodes(manager, batch.nodes);

    const deltas = new Deltas();
    for (const credit of networkCredits) deltas.add(credit.userId, 'network', credit.amount);
    for (const [userId, amount] of commission.byAncestor) deltas.add(userId, 'referral', amount);
    for (const row of bonusRows) deltas.add(row.userId, 'bonus', parseMicroPoints(row.amount));
    await this.ledger.addToBalances(manager, deltas.list());

    // Referral qualification: the referee's lifetime Network points (just updated) reached the bar.
    const earners = [...new Set(networkCredits.map((credit) => credit.userId))];
    const completed = await this.ledger.completeQualified(manager, earners, this.qualifyThreshold);
    const referralBonusRows: BonusRow[] = [];
    if (completed.length > 0) {
      const now = new Date();
      const bonuses: BonusCredit[] = completed.map((referral) => ({
        userId: referral.referrerId,
        amount: this.referralBonus,
        at: now,
        ref: `referral:${referral.referralId}`,
        note: 'Referral qualified',
      }));
      if (this.referralBonus > 0n) {
        referralBonusRows.push(
          ...(await this.ledger.insertBonuses(manager, bonuses, bonuses.map((bonus) => this.epochOf(bonus.at)))),
        );
        const bonusDeltas = new Deltas();
        for (const row of referralBonusRows) bonusDeltas.add(row.userId, 'bonus', this.referralBonus);
        await this.ledger.addToBalances(manager, bonusDeltas.list());
      }
      await this.ledger.markRewarded(
        manager,
        completed.map((referral) => referral.referralId),
        this.referralBonus,
      );
    }

    // Notifications (issue 17): bonus.credited and referral.rewarded, in this transaction.
    await this.notifications.recordLedgerChanges(manager, {
      credited: bonusRows,
      bonuses: batch.bonuses,
      rewarded: completed,
      referralBonus: this.referralBonus,
    });

    return {
      applied: true,
      earningsChanged: unique([...deltas.userIds(), ...referralBonusRows.map((row) => row.userId)]),
      referralChanged: unique([...commission.byAncestor.keys(), ...completed.map((referral) => referral.referrerId)]),
      networkChanged,
      completedReferrals: completed,
      bonusRows: [...bonusRows, ...referralBonusRows],
    };
  }

  /** Sums credits per (user, ledger bucket): one row per key, as ON CONFLICT requires. */
  private aggregate(credits: LedgerBatch['network']): BucketCredit[] {
    const byKey = new Map<string, BucketCredit>();
    for (const credit of credits) {
      if (credit.amount <= 0n) continue;
      const bucket = ledgerBucketOf(credit.at, this.config.earnings);
      const key = `${credit.userId}:${bucket.getTime()}`;
      const existing = byKey.get(key);
      byKey.set(key, {
        userId: credit.userId,
        bucket,
        epoch: this.epochOf(bucket),
        amount: (existing?.amount ?? 0n) + credit.amount,
      });
    }
    return [...byKey.values()].sort((a, b) => a.userId - b.userId || a.bucket.getTime() - b.bucket.getTime());
  }

  private epochOf(at: Date): number {
    return epochOf(at, this.config.earnings);
  }

  private async announce(result: LedgerResult): Promise<void> {
    const events: DomainEvent[] = [
      { type: 'earnings.changed', userIds: result.earningsChanged },
      { type: 'referral.changed', userIds: result.referralChanged },
      { type: 'network.changed', userIds: result.networkChanged },
    ];
    for (const event of events) await this.bus.publishAfterCommit(event);
  }
}

/** What a batch writes, worked out before its transaction. */
interface LedgerPlan {
  readonly networkCredits: BucketCredit[];
  readonly commission: Commission;
}

/** The COMMIT of a ledger batch failed: it may have been applied. Retry with the same batch id. */
export class LedgerOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super('The ledger commit failed; the batch may or may not have been applied', { cause });
    this.name = 'LedgerOutcomeUnknown';
  }
}

/** Per-user balance changes by source, accumulated exactly. */
class Deltas {
  private readonly byUser = new Map<number, { network: MicroPoints; referral: MicroPoints; bonus: MicroPoints }>();

  add(userId: number, source: 'network' | 'referral' | 'bonus', amount: MicroPoints): void {
    const delta = this.byUser.get(userId) ?? { network: 0n, referral: 0n, bonus: 0n };
    delta[source] += amount;
    this.byUser.set(userId, delta);
  }

  list(): BalanceDelta[] {
    return [...this.byUser].map(([userId, delta]) => ({ userId, ...delta }));
  }

  userIds(): number[] {
    return [...this.byUser.keys()];
  }
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)];
}

function emptyResult(applied: boolean): LedgerResult {
  return { applied, earningsChanged: [], referralChanged: [], networkChanged: [], completedReferrals: [], bonusRows: [] };
}
