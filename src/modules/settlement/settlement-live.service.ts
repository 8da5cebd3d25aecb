import { AppConfig } from '../../config';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../../infra/bus/event-bus';
import { RealtimeServer } from '../../realtime/realtime.server';
import { SettlementRepository } from './settlement.repository';
import { toSettlementEpochJson } from './settlement.mapper';

/**
 * SettlementUpdate frames: `announce(epoch)` tells every user with an amount in the epoch (a
 * `settlement.changed` event, delivered on whichever instance holds their sockets); each instance
 * loads the user's view of the epoch and pushes it to their /ws/dashboard and /ws/earnings sockets.
 */
@Injectable()
export class SettlementLiveService implements OnModuleInit {
  private readonly logger = new Logger('SettlementLive');

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly settlements: SettlementRepository,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.realtime.onUserEvent((userId, event) => {
      if (event.type === 'settlement.changed') void this.push(userId, event.epoch);
    });
  }

  async announce(epoch: number): Promise<void> {
    try {
      const userIds = await this.settlements.usersOf(epoch);
      if (userIds.length > 0) await this.bus.publish({ type: 'settlement.changed', userIds, epoch });
    } catch (error) {
      this.logger.warn({ err: error, epoch }, 'Could not announce a settlement; live updates may lag');
    }
  }

  private async push(userId: number, epoch: number): Promise<void> {
    try {
      const [row] = await this.settlements.listForUser(userId, 1, epoch + 1);
      if (row === undefined || row.epoch.epoch !== epoch) return;
      this.realtime.pushToUser(userId, { type: 'SettlementUpdate', payload: { epoch: toSettlementEpochJson(row.epoch, row.amount, this.config.settlement.explorerUrl) } });
    } catch (error) {
      this.logger.warn({ err: error, userId, epoch }, 'Could not push a SettlementUpdate');
    }
  }
}
