import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../../common/lifecycle/periodic-task';
import { AppConfig } from '../../config';
import { ClusterLockKey, runAsClusterJob } from '../../database/cluster-lock';
import { DatabaseTarget } from '../../database/data-source-options';
import { EventBus } from '../../infra/bus/event-bus';
import { NodeRegistry } from '../../infra/presence/node-registry';
import { CloseCode } from '../../realtime/protocol';
import { RealtimeServer } from '../../realtime/realtime.server';
import { NetworkRepository } from './network.repository';

const EVERY_MS = 5_000;

/**
 * Keeps `connected` true only for nodes some instance really holds:
 * - nodes of instances that died (crash, SIGKILL) are marked offline once the registry sees the
 *   instance stop refreshing (one instance does this, under an advisory lock);
 * - as a safety net, nodes silent for longer than any live socket can be are marked offline;
 * - a local node session whose device another instance now owns (a missed replacement event) is
 *   closed with 4001.
 */
@Injectable()
export class NodePresenceJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('NodePresence');
  private readonly task = new PeriodicTask(() => this.run());
  private running = false;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly nodes: NetworkRepository,
    private readonly realtime: RealtimeServer,
    private readonly bus: EventBus,
    private readonly dataSource: DataSource,
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

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const sessionId of await this.registry.replacedSessions()) {
        this.realtime.closeNodeSession(sessionId, CloseCode.Replaced, 'replaced by a newer session of this device');
      }
      const owners = await runAsClusterJob(this.dataSource, ClusterLockKey.NodePresence, { embedded: this.target.embedded }, async () => {
        const reaped = await this.registry.reapDeadInstances();
        const fromDead = await this.nodes.setDisconnected(reaped, 'last-seen');
        const stale = await this.nodes.disconnectStale(new Date(Date.now() - this.staleAfterMs()));
        return [...new Set([...fromDead, ...stale])];
      });
      if (owners !== undefined && owners.length > 0) {
        this.logger.log(`Marked nodes of ${owners.length} user(s) offline (instance gone or silent)`);
        await this.bus.publish({ type: 'network.changed', userIds: owners });
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Node presence upkeep failed; will retry');
    } finally {
      this.running = false;
    }
  }

  /** Longer than a live node can go without a heartbeat being flushed, with a margin. */
  private staleAfterMs(): number {
    return this.config.ws.clientTimeoutMs + 3 * this.config.earnings.flushMs + 30_000;
  }
}
