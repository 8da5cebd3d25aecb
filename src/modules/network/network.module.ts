import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetworkConnectionEntity } from './entities/network-connection.entity';
import { AppConfig } from '../../config';
import { EarningsModule } from '../earnings/earnings.module';
import { AccrualFlusher } from './accrual/accrual-flusher.service';
import { InProcessNodeIpLimiter, NodeIpLimiter } from './accrual/node-ip-limiter';
import { DashboardGateway } from './dashboard.gateway';
import { NetworkController } from './network.controller';
import { NodeSessionService } from './node-sessions.service';
import { NetworkRepository } from './network.repository';
import { NetworkService } from './network.service';

@Module({
  imports: [TypeOrmModule.forFeature([NetworkConnectionEntity]), EarningsModule],
  controllers: [NetworkController],
  providers: [
    NetworkRepository,
    NetworkService,
    NodeSessionService,
    AccrualFlusher,
    DashboardGateway,
    {
      provide: NodeIpLimiter,
      useFactory: (config: AppConfig) => new InProcessNodeIpLimiter(config.earnings.maxEarningNodesPerIp),
      inject: [AppConfig],
    },
  ],
  exports: [NetworkRepository, NetworkService, AccrualFlusher],
})
export class NetworkModule {}
