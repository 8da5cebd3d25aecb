import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config';
import { ClusterLockKey } from '../../database/cluster-lock';
import { DatabaseTarget } from '../../database/data-source-options';
import { isTransientConflict } from '../../database/pg-errors';
import { EventBus } from '../../infra/bus/event-bus';
import { LedgerRepository } from './ledger.repository';
import { LedgerMetrics } from './ledger.metrics';

/** Attempts of a fold that meets a deadlock or serialization failure. */
const TRANSIENT_ATTEMPTS = 5;

/** What one fold did: applied `rows` staged rows (crediting `users`), skipped (another instance folds), or failed. */
export type FoldOutcome =
  | { readonly state: 'folded'; readonly rows: number; readonly users: readonly number[] }
  | { readonly state: 'busy' }
  | { readonly state: 'failed'; readonly error: unknown };

/**
 * Folds staged commission (`ledger_commission_staging`, written by flushes) into the ledger: the
 * Referral bucket rows, the referrals' `points` and the beneficiaries' balances, in one
 * transaction that also deletes exactly the rows it applied, so a row is applied once whatever
 * fails (a failed fold leaves everything staged; a COMMIT lost either way is still exactly once).
 * One instance folds at a time, cluster-wide (a transaction advisory lock, tried, never waited
 * for): the others skip, and their rows are folded by the holder's next fold. Runs after every
 * ledger batch (LedgerService), every EARNINGS_FLUSH_MS and once at boot (rows left by a stopped
 * cluster), and after the final flush on shutdown (AccrualFlusher).
 */
@Injectable()
export class CommissionFolder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CommissionFolder');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<FoldOutcome> | null = null;
  private next: Promise<FoldOutcome> | null = null;
  private failing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerRepository,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly target: DatabaseTarget,
    private readonly metrics: LedgerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    void this.foldAndAnnounce();
    this.timer = setInterval(() => void this.foldAndAnnounce(), this.config.earnings.flushMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * One fold that starts after this call (so it sees every row committed before it); calls made
   * while one runs share the next. Never throws. The caller announces the users it credited.
   */
  fold(): Promise<FoldOutcome> {
    if (this.running === null) {
      this.running = this.foldOnce().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = null;
      return this.fold();
    });
    return this.next;
  }

  /** A fold of the timer's: it announces what it credited itself. */
  private async foldAndAnnounce(): Promise<void> {
    const outcome = await this.fold();
    if (outcome.state !== 'folded' || outcome.users.length === 0) return;
    await this.bus.publishAfterCommit({ type: 'earnings.changed', userIds: [...outcome.users] });
    await this.bus.publishAfterCommit({ type: 'referral.changed', userIds: [...outcome.users] });
  }

  private async foldOnce(): Promise<FoldOutcome> {
    let outcome: FoldOutcome;
    try {
      outcome = await this.foldWithRetries();
    } catch (error) {
      this.metrics.commissionFoldFailures.inc();
      if (!this.failing) this.logger.error({ err: error }, 'Commission fold failed; the rows stay staged for the next fold');
      this.failing = true;
      outcome = { state: 'failed', error };
    }
    if (outcome.state === 'folded') {
      if (this.failing) this.logger.log('Commission folds succeed again');
      this.failing = false;
    }
    await this.ledger
      .countStagedCommission(this.dataSource.manager)
      .then((rows) => this.metrics.commissionStagedRows.set(rows))
      .catch(() => undefined);
    return outcome;
  }

  private async foldWithRetries(): Promise<FoldOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.foldInTransaction();
      } catch (error) {
        if (!isTransientConflict(error) || attempt >= TRANSIENT_ATTEMPTS) throw error;
        this.metrics.retries.inc({ step: 'fold' });
        this.logger.warn(`Commission fold met a concurrent batch (attempt ${attempt}); retrying`);
      }
    }
  }

  private async foldInTransaction(): Promise<FoldOutcome> {
    const runner = this.dataSource.createQueryRunner('master');
    try {
      await runner.connect();
      await runner.startTransaction('READ COMMITTED');
      try {
        const manager = runner.manager;
        // The embedded database serves one instance: nobody to exclude.
        if (!this.target.embedded && !(await this.ledger.tryFoldLock(manager, ClusterLockKey.CommissionFold))) {
          await runner.rollbackTransaction();
          return { state: 'busy' };
        }
        await runner.query(`SET LOCAL work_mem = '64MB'`);
        const rows = await this.ledger.takeStagedCommission(manager);
        const users = rows === 0 ? [] : await this.ledger.foldTakenCommission(manager);
        await runner.commitTransaction();
        return { state: 'folded', rows, users };
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
}
