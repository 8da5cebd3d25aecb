import { Module } from '@nestjs/common';
import { EarningsModule } from '../earnings/earnings.module';
import { NetworkModule } from '../network/network.module';
import { ReferralModule } from '../referral/referral.module';
import { LiveUpdatesService } from './live-updates.service';

/** Domain events → frames on the affected users' sockets. */
@Module({
  imports: [EarningsModule, NetworkModule, ReferralModule],
  providers: [LiveUpdatesService],
})
export class NotificationModule {}
