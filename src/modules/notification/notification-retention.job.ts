import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../../common/lifecycle/periodic-task';
import { AppConfig } from '../../config';
import { ClusterLockKey, runAsClusterJob } from '../../database/cluster-lock';
import { DatabaseTarget } from '../../database/data-source-options';
import { NotificationMetrics } from './notification.metrics';
import { NotificationRepository } from './notification.repository';

const EVERY_MS = 60 * 60 * 1000;
/** Rows deleted per statement, so a large backlog never holds long locks. */
const PRUNE_BATCH = 10_000;

/**
 * Prunes notifications (and their delivery records) older than NOTIFICATION_RETENTION_DAYS, every
 * hour, on one instance of the cluster at a time.
 */
@Injectable()
export class NotificationRetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('NotificationRetention');
  private readonly task = new PeriodicTask(() => this.run());

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifications: NotificationRepository,
    private readonly metrics: NotificationMetrics,
    private readonly target: DatabaseTarget,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(EVERY_MS);
  }

  /** Before the database closes: a pass under way finishes first. */
  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Returns how many were pruned (0 when another instance holds the job). */
  async run(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.config.notifications.retentionDays * 86_400_000);
    try {
      const pruned = await runAsClusterJob(this.dataSource, ClusterLockKey.NotificationRetention, { embedded: this.target.embedded }, async () => {
        let total = 0;
        for (;;) {
          const deleted = await this.notifications.pruneOlderThan(before, PRUNE_BATCH);
          total += deleted;
          if (deleted < PRUNE_BATCH) return total;
        }
      });
      if (pruned !== undefined && pruned > 0) {
        this.metrics.pruned.inc(pruned);
        this.logger.log(`Pruned ${pruned} notification(s) older than ${before.toISOString()}`);
      }
      return pruned ?? 0;
    } catch (error) {
      this.logger.warn({ err: error }, 'Notification retention failed; will retry');
      return 0;
    }
  }
}
