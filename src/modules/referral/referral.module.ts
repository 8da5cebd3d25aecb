import { Module } from '@nestjs/common';
import { ReferralController } from './referral.controller';
import { ReferralGateway } from './referral.gateway';
import { ReferralRepository } from './referral.repository';
import { ReferralService } from './referral.service';

@Module({
  controllers: [ReferralController],
  providers: [ReferralRepository, ReferralService, ReferralGateway],
  exports: [ReferralRepository, ReferralService],
})
export class ReferralModule {}
