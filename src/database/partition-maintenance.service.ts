import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ClusterLockKey, runAsClusterJob } from './cluster-lock';
import { DatabaseTarget } from './data-source-options';
import { ensureEarningsPartitions, monthlyPartitions } from './earnings-partitions';

const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;
const MONTHS_BEHIND = 1;
const MONTHS_AHEAD = 3;

/**
 * Keeps monthly partitions of `earnings` ahead of time: at start (before traffic) and every six
 * hours, on one instance of the cluster at a time.
 */
@Injectable()
export class PartitionMaintenanceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PartitionMaintenance');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly target: DatabaseTarget,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.logger.error({ err: error }, 'Partition maintenance failed'));
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async run(now = new Date()): Promise<string[]> {
    const created = await runAsClusterJob(
      this.dataSource,
      ClusterLockKey.EarningsPartitions,
      { embedded: this.target.embedded },
      () => ensureEarningsPartitions(this.dataSource, monthlyPartitions(now, MONTHS_BEHIND, MONTHS_AHEAD)),
    );
    if (created !== undefined && created.length > 0) {
      this.logger.log(`Created earnings partitions: ${created.join(', ')}`);
    }
    return created ?? [];
  }
}
