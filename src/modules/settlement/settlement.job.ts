import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config';
import { SettlementRepository } from './settlement.repository';
import { SettlementService } from './settlement.service';

/** After an epoch's end, how long beyond one flush period to wait for the flush that covers it. */
const FLUSH_MARGIN_MS = 1_000;
/** Retry delay after a round that failed (database down). */
const RETRY_MS = 5_000;
/** Epochs settled per round when catching up, so one round never runs for long. */
const CATCH_UP_BATCH = 50;

/**
 * Settles each epoch automatically once its end has been flushed: every instance buffers accruals
 * for at most EARNINGS_FLUSH_MS, so one flush period (plus a margin) after the end, every accrual
 * of the epoch is in the ledger. A row that still arrives late (an instance whose flush failed) is
 * not lost: amounts are cumulative, so it is paid with the next epoch. Automatic settlement starts
 * with the epoch running when settlement first started; older ones only on an admin's request.
 */
@Injectable()
export class SettlementJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SettlementJob');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private firstEpoch: number | null = null;

  constructor(
    private readonly settlement: SettlementService,
    private readonly settlements: SettlementRepository,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One flush period and a margin: how long after its end an epoch is settled. */
  private get lagMs(): number {
    return this.config.earnings.flushMs + FLUSH_MARGIN_MS;
  }

  /**
   * One round: settles every due, unsettled epoch since the first, oldest first, up to a batch.
   * Returns true when it stopped at the batch limit (more are due).
   */
  async run(now = new Date()): Promise<boolean> {
    this.firstEpoch ??= await this.settlements.firstEpoch(this.settlement.currentEpoch(now));
    // Epochs before this one have ended at least one flush period ago.
    const dueBefore = this.settlement.currentEpoch(new Date(now.getTime() - this.lagMs));
    const latest = await this.settlements.latestSettledFrom(this.firstEpoch);
    const from = latest === null ? this.firstEpoch : latest + 1;
    const to = Math.min(dueBefore, from + CATCH_UP_BATCH);
    for (let epoch = from; epoch < to; epoch++) await this.settlement.settle(epoch, now);
    return to < dueBefore;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let delay: number;
    try {
      const more = await this.run();
      // Next: when the end of the epoch not yet due has been flushed (at once while catching up).
      const now = Date.now();
      const due = this.settlement.epochEnd(this.settlement.currentEpoch(new Date(now - this.lagMs))).getTime() + this.lagMs;
      delay = more ? 0 : Math.max(0, due - now);
    } catch (error) {
      this.logger.warn({ err: error }, 'Settlement round failed; will retry');
      delay = RETRY_MS;
    }
    this.schedule(delay);
  }
}
