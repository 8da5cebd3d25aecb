import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../config';
import { UserModule } from '../user/user.module';
import { BlockchainConnector, LedgerConnector } from './blockchain-connector';
import { EvmConnector } from './evm/evm-connector';
import { SettlementAccountEntity } from './entities/settlement-account.entity';
import { SettlementEpochEntity } from './entities/settlement-epoch.entity';
import { SettlementLeafEntity } from './entities/settlement-leaf.entity';
import { SettlementStateEntity } from './entities/settlement-state.entity';
import { SettlementAdminController } from './settlement-admin.controller';
import { SettlementController } from './settlement.controller';
import { SettlementJob } from './settlement.job';
import { SettlementLiveService } from './settlement-live.service';
import { SettlementMetrics } from './settlement.metrics';
import { SettlementPublisher } from './settlement.publisher';
import { SettlementQueryService } from './settlement-query.service';
import { SettlementRepository } from './settlement.repository';
import { SettlementService } from './settlement.service';

/** Settlement: epochs closed into Merkle roots of cumulative token amounts that wallets claim. */
@Module({
  imports: [TypeOrmModule.forFeature([SettlementEpochEntity, SettlementLeafEntity, SettlementStateEntity, SettlementAccountEntity]), UserModule],
  controllers: [SettlementController, SettlementAdminController],
  providers: [
    SettlementRepository,
    SettlementService,
    SettlementQueryService,
    SettlementJob,
    SettlementPublisher,
    SettlementMetrics,
    SettlementLiveService,
    {
      provide: BlockchainConnector,
      inject: [AppConfig],
      useFactory: (config: AppConfig): BlockchainConnector => (config.settlement.adapter === 'evm' ? new EvmConnector(config) : new LedgerConnector()),
    },
  ],
})
export class SettlementModule {}
