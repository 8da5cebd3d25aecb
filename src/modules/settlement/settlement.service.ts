import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { epochOf, epochStart } from '../../common/epoch';
import { DashboardError } from '../../common/errors';
import { AppConfig } from '../../config';
import { ClusterLockKey } from '../../database/cluster-lock';
import { DatabaseTarget } from '../../database/data-source-options';
import { allocate } from './allocation';
import { cumulativePointsAt } from './cumulative-points.query';
import { SettlementEpochEntity } from './entities/settlement-epoch.entity';
import { SettlementLiveService } from './settlement-live.service';
import { SettlementMetrics } from './settlement.metrics';
import { SettlementRepository } from './settlement.repository';
import { buildSettlementTree } from './settlement-tree';
import { tokenUnitsOf } from './token-units';

/** Largest epoch number accepted anywhere (the `epoch` columns are PostgreSQL integers). */
export const MAX_EPOCH = 2_147_483_647;

export interface SettleOutcome {
  readonly epoch: SettlementEpochEntity;
  /** False when the epoch was settled before (nothing was written). */
  readonly created: boolean;
}

/**
 * Closes epochs: for every user with a wallet (or an address in an earlier tree), the points
 * earned up to the epoch's end become cumulative token amounts, split over the user's addresses
 * (see `allocate`), and a StandardMerkleTree of them (built off the event loop) is stored with every proof. Settling is
 * idempotent: an epoch is settled once, and asking again returns what was stored.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger('Settlement');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settlements: SettlementRepository,
    private readonly target: DatabaseTarget,
    private readonly config: AppConfig,
    private readonly metrics: SettlementMetrics,
    private readonly live: SettlementLiveService,
  ) {}

  currentEpoch(now = new Date()): number {
    return epochOf(now, this.config.earnings);
  }

  epochEnd(epoch: number): Date {
    return epochStart(epoch + 1, this.config.earnings);
  }

  async settle(epoch: number, now = new Date()): Promise<SettleOutcome> {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw DashboardError.validation(`epoch must be an integer from 0 to ${MAX_EPOCH}`);
    const end = this.epochEnd(epoch);
    if (end.getTime() > now.getTime()) throw DashboardError.validation(`epoch ${epoch} has not ended yet (it ends at ${end.toISOString()})`);
    const existing = await this.settlements.findEpoch(epoch);
    if (existing !== null) return { epoch: existing, created: false };

    const created = await this.dataSource.transaction(async (manager) => {
      // One settler at a time across the cluster; the loser of a race finds the epoch stored.
      if (!this.target.embedded) await manager.query('SELECT pg_advisory_xact_lock($1)', [ClusterLockKey.EpochSettlement]);
      if ((await this.settlements.findEpoch(epoch, manager)) !== null) return false;
      const positions = (await cumulativePointsAt(manager, end)).map((row) => ({
        userId: row.userId,
        wallet: row.wallet,
        cumulative: tokenUnitsOf(row.micro < 0n ? 0n : row.micro, this.config.settlement.decimals),
      }));
      const previous = await this.settlements.latestLeavesBefore(epoch, manager);
      const wallets = positions.flatMap((position) => (position.wallet === null ? [] : [position.wallet]));
      const owners = await this.settlements.ownersOf(wallets, manager);
      const { allocations, refused } = allocate(positions, previous, owners);
      for (const { userId, account } of refused) this.logger.warn({ userId, account }, 'Wallet left out: the address carries another user’s earnings');
      await this.settlements.insertSettled(manager, epoch, await buildSettlementTree(allocations));
      return true;
    });
    const stored = (await this.settlements.findEpoch(epoch))!;
    if (created) {
      this.logger.log({ epoch, root: stored.root, leaves: stored.leafCount }, 'Epoch settled');
      this.metrics.lastSettledEpoch.set(epoch);
      await this.live.announce(epoch);
    }
    return { epoch: stored, created };
  }
}
