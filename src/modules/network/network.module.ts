import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetworkConnectionEntity } from './entities/network-connection.entity';
import { EarningsModule } from '../earnings/earnings.module';
import { AccrualFlusher } from './accrual/accrual-flusher.service';
import { DashboardGateway } from './dashboard.gateway';
import { NetworkController } from './network.controller';
import { NodePresenceJob } from './node-presence.job';
import { NodeSessionService } from './node-sessions.service';
import { NodeUpdatesService } from './node-updates.service';
import { NetworkRepository } from './network.repository';
import { NetworkService } from './network.service';

@Module({
  imports: [TypeOrmModule.forFeature([NetworkConnectionEntity]), EarningsModule],
  controllers: [NetworkController],
  providers: [
    NetworkRepository,
    NetworkService,
    NodeSessionService,
    NodeUpdatesService,
    AccrualFlusher,
    DashboardGateway,
    NodePresenceJob,
  ],
  exports: [NetworkRepository, NetworkService, AccrualFlusher, NodeUpdatesService],
})
export class NetworkModule {}
