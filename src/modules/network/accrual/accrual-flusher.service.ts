import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../config';
import { forChunks, LoopSlicer, orderInSlices } from '../../../common/event-loop';
import { newId } from '../../../common/ids';
import { LedgerBatch, NetworkCreditColumns, NodeProgressColumns } from '../../earnings/ledger-batch';
import { LedgerOutcomeUnknown } from '../../earnings/ledger.repository';
import { LedgerService } from '../../earnings/ledger.service';
import { RealtimeMetrics } from '../../../realtime/realtime.metrics';
import { AccrualBuffer, AccrualColumns } from './accrual-buffer';
import { AccrualSpill, SpilledBatch, SpillFile } from './accrual-spill';

/** A batch to retry under its id: its outcome is unknown, or it comes from a spill file. */
interface PendingBatch {
  readonly batch: LedgerBatch;
  readonly accruals: AccrualColumns;
  /** The spill file it was read from (deleted once all of that file's batches are written). */
  readonly file: string | null;
}

/**
 * Writes buffered accruals to the ledger every EARNINGS_FLUSH_MS, as one batch. A batch that
 * fails before its COMMIT goes back into the buffer (merged with what came since, so nothing is
 * lost and memory stays bounded); a batch whose COMMIT failed keeps its id and is retried as is,
 * so the ledger applies it at most once.
 *
 * A graceful stop keeps flushing for SHUTDOWN_FLUSH_MS; what the database still has not taken
 * then is spilled to DATA_DIR as batches with ids (`AccrualSpill`), and the next start writes
 * them first, each exactly once.
 */
@Injectable()
export class AccrualFlusher implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccrualFlusher');
  readonly buffer = new AccrualBuffer();
  /** Batches to retry under their ids, oldest first, with the accruals they carry. */
  private readonly uncertain: PendingBatch[] = [];
  /** The batch being written and the split its transactions started with (null before they start). */
  private inFlight: { batch: LedgerBatch; accruals: AccrualColumns; fresh: boolean; shards: number | null } | null = null;
  /** Aborted when the stop spills: a write still planning then never starts its transactions. */
  private readonly stopping = new AbortController();
  private readonly spill: AccrualSpill;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private failing = false;
  /** Work to do before the final flush on shutdown (closing node sockets). */
  private beforeFinalFlush: () => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly metrics: RealtimeMetrics,
  ) {
    this.spill = new AccrualSpill(config.dataDir, config.database.url);
  }

  onModuleInit(): void {
    this.metrics.flushInterval.set(this.config.earnings.flushMs / 1000);
    this.metrics.lastFlushSuccess.setToCurrentTime();
    this.timer = setInterval(() => void this.flush(), this.config.earnings.flushMs);
    this.timer.unref();
  }

  /** Batches a stop spilled are queued first and written at once, under their ids, before anything new. */
  async onApplicationBootstrap(): Promise<void> {
    let files: SpillFile[];
    try {
      files = await this.spill.readAll((path, error, setAside) =>
        this.logger.error(
          { err: error, path },
          setAside ? 'An accrual spill file is not one; kept as .unreadable, not replayed' : 'An accrual spill file could not be read; left for a later start',
        ),
      );
    } catch (error) {
      // The service starts all the same; the files stay where they are for a later start.
      this.logger.error({ err: error, directory: this.spill.directory }, 'Accrual spill files could not be listed; none replayed');
      return;
    }
    for (const file of files) {
      for (const spilled of file.batches) {
        this.uncertain.push({ batch: await this.toBatch(spilled.accruals, spilled.id, spilled.shards), accruals: spilled.accruals, file: file.path });
      }
      const accruals = file.batches.reduce((sum, batch) => sum + batch.accruals.length, 0);
      this.logger.warn({ path: file.path, batches: file.batches.length, accruals }, 'Writing accruals a previous stop spilled');
      if (file.batches.length === 0) await this.spill.remove(file.path);
    }
    // At once rather than a flush interval later (an outage may follow: the interval retries).
    if (this.uncertain.length > 0) void this.flush();
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

  /**
   * SIGTERM: node sockets are closed first (their last heartbeats counted), then everything is
   * written; what the database has not taken by SHUTDOWN_FLUSH_MS is spilled for the next start.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.beforeFinalFlush();
    const deadline = Date.now() + this.config.shutdown.flushMs;
    for (;;) {
      // A write the database does not answer (a lock, a failover without a reset) is not waited
      // for past the deadline: the batch in flight is spilled with the rest.
      await settledWithin(this.flush(), deadline - Date.now());
      if (this.idle) return;
      if (Date.now() >= deadline) break;
      if (this.running === null) await sleep(Math.min(250, deadline - Date.now()));
    }
    await this.spillUnwritten();
  }

  /**
   * Writes what is still pending into one spill file: batches of unknown outcome (and earlier
   * spills') under their ids and shard counts, the buffer as a new batch. Only once that file is
   * durable are the earlier spill files it covers deleted.
   */
  private async spillUnwritten(): Promise<void> {
    this.stopping.abort(new Error('shutting down: accruals spilled'));
    const inFlight = this.inFlight;
    const splitOf = (batch: LedgerBatch) => batch.shards ?? (inFlight?.batch === batch ? inFlight.shards : null);
    const batches: SpilledBatch[] = this.uncertain.map(({ batch, accruals }) => ({ id: batch.id, shards: splitOf(batch), accruals }));
    // A new batch in flight (drained, so in neither the buffer nor `uncertain`): spilled under its id.
    // Should it still commit before the process ends, the next start skips it by that id.
    if (inFlight?.fresh) batches.push({ id: inFlight.batch.id, shards: inFlight.shards, accruals: inFlight.accruals });
    const buffered = this.buffer.drain();
    if (buffered.length > 0) batches.push({ id: newBatchId(), shards: null, accruals: buffered });
    try {
      const path = await this.spill.write(batches);
      // The earlier files still being replayed: everything of theirs not yet written is in this one.
      for (const file of new Set(this.uncertain.map((pending) => pending.file))) if (file !== null) await this.spill.remove(file);
      this.logger.warn(
        { path, batches: batches.length, accruals: batches.reduce((sum, batch) => sum + batch.accruals.length, 0) },
        'The database did not take every accrual before the stop; spilled them for the next start to write',
      );
    } catch (error) {
      this.logger.error(
        { err: error, directory: this.spill.directory, buffered: buffered.length, uncertainBatches: this.uncertain.length },
        'Shutting down with accruals that could not be written nor spilled',
      );
    }
  }

  private async flushOnce(): Promise<void> {
    // Retry batches of unknown outcome first, in order, under their own ids.
    while (this.uncertain.length > 0) {
      const head = this.uncertain[0]!;
      if (!(await this.write(head.batch, head.accruals, { uncertain: true }))) return;
      this.uncertain.shift();
      if (head.file !== null) await this.spillBatchWritten(head.file);
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

  /** Deletes a spill file once the last of its batches is in the ledger (none left in `uncertain`). */
  private async spillBatchWritten(file: string): Promise<void> {
    if (this.uncertain.some((pending) => pending.file === file)) return;
    try {
      await this.spill.remove(file);
      this.logger.log({ path: file }, 'Accruals a previous stop spilled are written');
    } catch (error) {
      // Left behind, it is replayed at the next start: its batch ids make that a no-op.
      this.logger.warn({ err: error, path: file }, 'A replayed accrual spill file could not be deleted');
    }
  }

  /**
   * Writes one batch; false when it failed (and was kept for a retry). A batch of unknown outcome
   * stays that batch, whatever its retry fails with: it may be in the ledger already, so its
   * accruals must never go back into the buffer (a new id would write them twice).
   */
  private async write(batch: LedgerBatch, accruals: AccrualColumns, { uncertain = false } = {}): Promise<boolean> {
    const stopTimer = this.metrics.flushDuration.startTimer();
    const inFlight = (this.inFlight = { batch, accruals, fresh: !uncertain, shards: null as number | null });
    try {
      await this.ledger.apply(batch, { signal: this.stopping.signal, onSplit: (shards) => (inFlight.shards = shards) });
      stopTimer();
      this.metrics.flushRows.observe(accruals.length);
      if (this.failing) this.logger.log('Accrual flushes succeed again');
      this.failing = false;
      return true;
    } catch (error) {
      this.metrics.flushFailures.inc();
      if (!this.failing) this.logger.error({ err: error }, 'Accrual flush failed; will retry');
      this.failing = true;
      // A batch that may be partly written is retried split as this try was (`LedgerBatch.shards`),
      // so its written shards are skipped.
      const asTried = batch.shards !== undefined || inFlight.shards === null ? batch : { ...batch, shards: inFlight.shards };
      if (uncertain) {
        // Still at the head of `uncertain`, retried first by the next flush.
        if (error instanceof LedgerOutcomeUnknown) this.uncertain[0] = { ...this.uncertain[0]!, batch: asTried };
      } else if (error instanceof LedgerOutcomeUnknown) {
        this.uncertain.push({ batch: asTried, accruals, file: null });
      } else {
        this.buffer.restore(accruals);
      }
      return false;
    } finally {
      this.inFlight = null;
    }
  }

  /**
   * The ledger batch of drained accruals; yields to the event loop now and then (heartbeats keep
   * flowing). Network credits go as columns (`NetworkCreditColumns`: no object or bigint per
   * credit), and so does node progress (`NodeProgressColumns`), in node order (the order the
   * ledger locks node rows in), summed over buckets only when the accruals span more than one (a
   * flush's usually fall into one).
   */
  private async toBatch(accruals: AccrualColumns, id = newBatchId(), shards: number | null = null): Promise<LedgerBatch> {
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
    return { id, network, nodes: progress, bonuses: [], ...(shards === null ? {} : { shards }) };
  }
}

/** Waits for `promise` (its outcome ignored) or `ms`, whichever comes first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
}

function newBatchId(): string {
  return `accrual:${newId()}`;
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
