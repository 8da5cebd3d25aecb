import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../config';
import { forChunks, LoopSlicer, orderInSlices } from '../../../common/event-loop';
import { newId } from '../../../common/ids';
import { LedgerBatch, NetworkCreditColumns, NodeProgressColumns } from '../../earnings/ledger-batch';
import { LedgerOutcomeUnknown, LedgerService } from '../../earnings/ledger.service';
import { RealtimeMetrics } from '../../../realtime/realtime.metrics';
import { AccrualBuffer, AccrualColumns } from './accrual-buffer';

/** How long a graceful stop keeps retrying the last flush before giving up. */
const FINAL_FLUSH_DEADLINE_MS = 15_000;

/**
 * Writes buffered accruals to the ledger every EARNINGS_FLUSH_MS, as one batch. A batch that
 * fails before its COMMIT goes back into the buffer (merged with what came since, so nothing is
 * lost and memory stays bounded); a batch whose COMMIT failed keeps its id and is retried as is,
 * so the ledger applies it at most once.
 */
@Injectable()
export class AccrualFlusher implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccrualFlusher');
  readonly buffer = new AccrualBuffer();
  /** Batches whose outcome is unknown, oldest first, with the accruals they carry. */
  private readonly uncertain: Array<{ batch: LedgerBatch; accruals: AccrualColumns }> = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private failing = false;
  /** Work to do before the final flush on shutdown (closing node sockets). */
  private beforeFinalFlush: () => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly metrics: RealtimeMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.flushInterval.set(this.config.earnings.flushMs / 1000);
    this.metrics.lastFlushSuccess.setToCurrentTime();
    this.timer = setInterval(() => void this.flush(), this.config.earnings.flushMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  setBeforeFinalFlush(work: () => Promise<void>): void {
    this.beforeFinalFlush = work;
  }

  /** One flush; concurrent calls share the one in progress. */
  flush(): Promise<void> {
    this.running ??= this.flushOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** True while nothing is buffered or waiting (tests and shutdown wait on this). */
  get idle(): boolean {
    return this.buffer.size === 0 && this.uncertain.length === 0 && this.running === null;
  }

  /** SIGTERM: node sockets are closed first (their last heartbeats counted), then everything is written. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.beforeFinalFlush();
    const deadline = Date.now() + FINAL_FLUSH_DEADLINE_MS;
    while (Date.now() < deadline) {
      await this.flush();
      if (this.buffer.size === 0 && this.uncertain.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    this.logger.error(
      { buffered: this.buffer.size, uncertainBatches: this.uncertain.length },
      'Shutting down with accruals that could not be written',
    );
  }

  private async flushOnce(): Promise<void> {
    // Retry batches of unknown outcome first, in order, under their own ids.
    while (this.uncertain.length > 0) {
      const head = this.uncertain[0]!;
      if (!(await this.write(head.batch, head.accruals, { uncertain: true }))) return;
      this.uncertain.shift();
    }
    // The gauge shows what each flush found buffered (node × bucket accruals); after a failed
    // write it shows what is held for the retry.
    const accruals = this.buffer.drain();
    this.metrics.bufferSize.set(accruals.length);
    if (accruals.length > 0 && !(await this.write(await this.toBatch(accruals), accruals))) {
      this.metrics.bufferSize.set(this.buffer.size);
      return;
    }
    this.metrics.lastFlushSuccess.setToCurrentTime();
  }

  /**
   * Writes one batch; false when it failed (and was kept for a retry). A batch of unknown outcome
   * stays that batch, whatever its retry fails with: it may be in the ledger already, so its
   * accruals must never go back into the buffer (a new id would write them twice).
   */
  private async write(batch: LedgerBatch, accruals: AccrualColumns, { uncertain = false } = {}): Promise<boolean> {
    const stopTimer = this.metrics.flushDuration.startTimer();
    try {
      await this.ledger.apply(batch);
      stopTimer();
      this.metrics.flushRows.observe(accruals.length);
      if (this.failing) this.logger.log('Accrual flushes succeed again');
      this.failing = false;
      return true;
    } catch (error) {
      this.metrics.flushFailures.inc();
      if (!this.failing) this.logger.error({ err: error }, 'Accrual flush failed; will retry');
      this.failing = true;
      if (uncertain) {
        // Still at the head of `uncertain`, retried first by the next flush.
      } else if (error instanceof LedgerOutcomeUnknown) {
        this.uncertain.push({ batch, accruals });
      } else {
        this.buffer.restore(accruals);
      }
      return false;
    }
  }

  /**
   * The ledger batch of drained accruals; yields to the event loop now and then (heartbeats keep
   * flowing). Network credits go as columns (`NetworkCreditColumns`: no object or bigint per
   * credit), and so does node progress (`NodeProgressColumns`), in node order (the order the
   * ledger locks node rows in), summed over buckets only when the accruals span more than one (a
   * flush's usually fall into one).
   */
  private async toBatch(accruals: AccrualColumns): Promise<LedgerBatch> {
    const network = new NetworkCreditColumns(accruals.length);
    const slicer = new LoopSlicer();
    let oneBucket = true;
    await forChunks(
      accruals.length,
      (start, end) => {
        const { userIds, micro, bucketMs } = accruals;
        for (let i = start; i < end; i++) {
          if (micro[i]! > 0) network.push(userIds[i]!, micro[i]!, bucketMs[i]!);
          if (bucketMs[i] !== bucketMs[0]) oneBucket = false;
        }
      },
      slicer,
    );
    // In one bucket, each node has one row; otherwise a node's rows are summed first.
    const nodes = oneBucket ? accruals : await sumPerNode(accruals, slicer);
    const order = await orderInSlices(nodes.nodeIds, nodes.length, slicer);
    const progress = new NodeProgressColumns(nodes.length);
    await forChunks(
      nodes.length,
      (start, end) => {
        for (let k = start; k < end; k++) {
          const row = order[k]!;
          progress.push(nodes.nodeIds[row]!, nodes.seconds[row]!, nodes.micro[row]!, nodes.scores[row]!, nodes.lastSeenMs[row]!);
        }
      },
      slicer,
    );
    return { id: `accrual:${newId()}`, network, nodes: progress, bonuses: [] };
  }
}

/** Accruals of several buckets summed per node (the latest score and last-seen win); bucket of a row: its first. */
async function sumPerNode(accruals: AccrualColumns, slicer: LoopSlicer): Promise<AccrualColumns> {
  const nodes = new AccrualColumns(accruals.length);
  const rowOfNode = new Map<number, number>();
  for (let i = 0; i < accruals.length; i++) {
    if (slicer.due()) await slicer.yield();
    const nodeId = accruals.nodeIds[i]!;
    const row = rowOfNode.get(nodeId);
    if (row === undefined) {
      rowOfNode.set(nodeId, nodes.append(nodeId, accruals.userIds[i]!, accruals.bucketMs[i]!, accruals.seconds[i]!, accruals.micro[i]!, accruals.scores[i]!, accruals.lastSeenMs[i]!));
    } else {
      nodes.merge(row, accruals.seconds[i]!, accruals.micro[i]!, accruals.scores[i]!, accruals.lastSeenMs[i]!);
    }
  }
  return nodes;
}
