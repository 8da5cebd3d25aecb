import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClusterLockKey, runAsClusterJob } from '../../database/cluster-lock';
import { DatabaseTarget } from '../../database/data-source-options';
import { BlockchainConnector, TransactionState } from './blockchain-connector';
import { SettlementEpochEntity } from './entities/settlement-epoch.entity';
import { SettlementLiveService } from './settlement-live.service';
import { SettlementMetrics } from './settlement.metrics';
import { SettlementRepository } from './settlement.repository';

/** How often the publisher looks for work (a query on a partial index). */
const POLL_MS = 1_000;
/** How long one round waits for a root transaction to be mined before checking again later. */
const RECEIPT_WAIT_MS = 30_000;
/** Retry delay after the n-th failure: 1 s, 2 s, 4 s … up to a minute. */
export function publishBackoffMs(attempts: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, attempts - 1), 60_000);
}

/**
 * Publishes settled roots, oldest first, on one instance at a time (advisory lock):
 * settled → publishing → published, in PostgreSQL. The root transaction is signed first and its
 * hash and bytes recorded, then broadcast; a crash anywhere after that is recovered from the
 * record — the contract's current root first (published already?), then the transaction's state
 * (mined? pending? unknown → the same signed bytes are broadcast again, never a new transaction).
 * A failure (chain down, out of gas, revert) leaves the epoch `publishing` with the error recorded
 * and retries it with backoff; nothing else in the service waits for it.
 */
@Injectable()
export class SettlementPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SettlementPublisher');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settlements: SettlementRepository,
    private readonly connector: BlockchainConnector,
    private readonly target: DatabaseTarget,
    private readonly metrics: SettlementMetrics,
    private readonly live: SettlementLiveService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.round(), POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One round; concurrent calls share the one in progress. */
  round(): Promise<void> {
    this.running ??= this.roundOnce()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Publication round failed; will retry'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async roundOnce(): Promise<void> {
    await runAsClusterJob(this.dataSource, ClusterLockKey.EpochPublication, { embedded: this.target.embedded }, async () => {
      for (;;) {
        const epoch = await this.settlements.oldestUnpublished();
        if (epoch === null || (epoch.nextAttemptAt !== null && epoch.nextAttemptAt.getTime() > Date.now())) return;
        try {
          if (!(await this.advance(epoch))) return;
        } catch (error) {
          const attempts = epoch.publishAttempts + 1;
          const message = describeFailure(error);
          await this.settlements.recordFailure(epoch.epoch, message, new Date(Date.now() + publishBackoffMs(attempts)));
          this.metrics.publishFailures.inc();
          this.logger.warn({ epoch: epoch.epoch, attempts, err: error }, 'Publishing the epoch root failed; will retry');
          return;
        }
      }
    });
  }

  /** Moves one epoch along; true when it is published (the next may follow). */
  private async advance(epoch: SettlementEpochEntity): Promise<boolean> {
    if (!this.connector.onChain || epoch.root === null) {
      await this.published(epoch, null);
      return true;
    }
    if (epoch.status === 'settled') await this.settlements.markPublishing(epoch.epoch);

    const chain = await this.connector.currentRoot();
    if (chain.epoch === epoch.epoch && chain.root.toLowerCase() === epoch.root.toLowerCase()) {
      // Published already (by us before a crash): take the block from our transaction when mined.
      const state = epoch.txHash === null ? null : await this.connector.transactionState(epoch.txHash);
      await this.published(epoch, state?.kind === 'mined' && state.success ? state.block : null);
      return true;
    }
    if (chain.epoch > epoch.epoch && chain.root !== ZERO_ROOT) {
      // A newer root is on chain (published by hand?): this one can never be; do not block the rest.
      await this.published(epoch, null, `superseded by epoch ${chain.epoch} on chain`);
      return true;
    }
    if (chain.epoch === epoch.epoch) throw new Error(`the contract holds another root for epoch ${epoch.epoch}`);

    let hash = epoch.txHash;
    if (hash !== null && epoch.rawTx !== null) {
      const state = await this.connector.transactionState(hash);
      if (state.kind === 'unknown') await this.rebroadcast(epoch.epoch, epoch.rawTx);
      else if (state.kind === 'mined' && !state.success) {
        await this.settlements.clearTransaction(epoch.epoch);
        throw new Error(`root transaction ${hash} reverted`);
      }
    } else {
      const signed = await this.connector.signRoot(epoch.epoch, epoch.root);
      // Recorded before it is sent: after a crash, recovery finds this transaction, not a new one.
      await this.settlements.recordTransaction(epoch.epoch, signed.hash, signed.raw);
      hash = signed.hash;
      await this.connector.broadcast(signed.raw);
      this.logger.log({ epoch: epoch.epoch, tx: hash }, 'Root transaction sent');
    }
    return this.settleReceipt(epoch, hash!, await this.connector.waitForReceipt(hash!, RECEIPT_WAIT_MS));
  }

  private async rebroadcast(epoch: number, raw: string): Promise<void> {
    try {
      await this.connector.broadcast(raw);
    } catch (error) {
      // Its nonce went to another transaction: it can never be mined; the next attempt signs anew
      // (after checking the contract's root again).
      if (/nonce too low|nonce.*already used/i.test(String((error as Error).message))) await this.settlements.clearTransaction(epoch);
      throw error;
    }
  }

  private async settleReceipt(epoch: SettlementEpochEntity, hash: string, state: TransactionState): Promise<boolean> {
    switch (state.kind) {
      case 'mined':
        if (!state.success) {
          await this.settlements.clearTransaction(epoch.epoch);
          throw new Error(`root transaction ${hash} reverted`);
        }
        await this.published(epoch, state.block);
        return true;
      case 'pending':
      case 'unknown':
        throw new Error(`root transaction ${hash} not mined yet`);
    }
  }

  private async published(epoch: SettlementEpochEntity, block: number | null, note: string | null = null): Promise<void> {
    await this.settlements.markPublished(epoch.epoch, block, note);
    this.metrics.lastPublishedEpoch.set(epoch.epoch);
    this.logger.log({ epoch: epoch.epoch, block }, 'Epoch root published');
    await this.live.announce(epoch.epoch);
  }
}

const ZERO_ROOT = `0x${'0'.repeat(64)}`;

/** What publish_error shows: viem's short message and the node's reason ("insufficient funds …"), no stack or URL. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const viem = error as Error & { shortMessage?: string; details?: string };
  if (viem.shortMessage === undefined) return error.message;
  return viem.details === undefined || viem.details === '' ? viem.shortMessage : `${viem.shortMessage} (${viem.details})`;
}
