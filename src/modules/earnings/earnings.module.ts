import { Module } from '@nestjs/common';
import { NotificationOutboxModule } from '../notification/outbox/notification-outbox.module';
import { EarningsController } from './earnings.controller';
import { EarningsGateway } from './earnings.gateway';
import { EarningsRepository } from './earnings.repository';
import { EarningsService } from './earnings.service';
import { LedgerMetrics } from './ledger.metrics';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';

@Module({
  imports: [NotificationOutboxModule],
  controllers: [EarningsController],
  providers: [EarningsRepository, EarningsService, LedgerRepository, LedgerService, LedgerMetrics, EarningsGateway],
  exports: [EarningsService, LedgerService],
})
export class EarningsModule {}
