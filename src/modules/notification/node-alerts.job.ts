import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PeriodicTask } from '../../common/lifecycle/periodic-task';
import { AppConfig } from '../../config';
import { NetworkRepository } from '../network/network.repository';
import { NotificationOutbox, NotificationRecord } from './outbox/notification-outbox.service';

/** Nodes claimed per transaction: 10,000 nodes of a dead instance take a few rounds. */
const CLAIM_BATCH = 2_000;

/**
 * node.offline and node.online, derived from what the cluster already keeps: a node's session
 * start and end times, written when a socket closes here, when the presence upkeep reaps the
 * sessions of a dead instance, or when it finds a silent node. Nothing runs per heartbeat. Every
 * instance runs this; the claims are atomic (`FOR UPDATE SKIP LOCKED`), so each outage is
 * alerted once whichever instance sees it first, and the alert and its notifications commit
 * together.
 */
@Injectable()
export class NodeAlertsJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('NodeAlerts');
  private readonly task = new PeriodicTask(() => this.run());
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nodes: NetworkRepository,
    private readonly outbox: NotificationOutbox,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Often enough that an alert comes close to on time, rarely enough to cost nothing.
    const everyMs = Math.min(5_000, Math.max(100, Math.floor(this.config.notifications.nodeOfflineAlertMs / 4)));
    this.task.start(everyMs);
  }

  /** Before the database closes: a pass under way finishes first. */
  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One pass; returns how many alerts of each kind it recorded. */
  async run(): Promise<{ offline: number; online: number }> {
    if (this.running) return { offline: 0, online: 0 };
    this.running = true;
    try {
      const offline = await this.drain(async (manager) => {
        const rows = await this.nodes.claimOfflineAlerts(manager, this.config.notifications.nodeOfflineAlertMs, CLAIM_BATCH);
        await this.outbox.recordMany(
          manager,
          rows.map(
            (row): NotificationRecord<'node.offline'> => ({
              userId: row.user_id,
              type: 'node.offline',
              data: {
                node_id: row.id,
                device_id: row.device_id,
                network_name: row.network_name,
                last_seen: row.last_seen_at === null ? null : new Date(row.last_seen_at).toISOString(),
              },
            }),
          ),
        );
        return rows.length;
      });
      const online = await this.drain(async (manager) => {
        const rows = await this.nodes.claimOnlineAlerts(manager, CLAIM_BATCH);
        await this.outbox.recordMany(
          manager,
          rows.map(
            (row): NotificationRecord<'node.online'> => ({
              userId: row.user_id,
              type: 'node.online',
              data: {
                node_id: row.id,
                device_id: row.device_id,
                network_name: row.network_name,
                offline_seconds: Math.round(row.offline_seconds),
              },
            }),
          ),
        );
        return rows.length;
      });
      if (offline + online > 0) this.logger.log(`Recorded ${offline} node.offline and ${online} node.online notification(s)`);
      return { offline, online };
    } catch (error) {
      this.logger.warn({ err: error }, 'Node alerts failed; will retry');
      return { offline: 0, online: 0 };
    } finally {
      this.running = false;
    }
  }

  /** Runs claim-and-record transactions until a batch comes back short. */
  private async drain(batch: (manager: EntityManager) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.dataSource.transaction(batch);
      total += claimed;
      if (claimed < CLAIM_BATCH) return total;
      // Let heartbeats through between rounds.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
