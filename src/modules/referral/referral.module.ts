import { Module } from '@nestjs/common';
import { UserModule } from '../user/user.module';
import { ReferralController } from './referral.controller';
import { ReferralRepository } from './referral.repository';
import { ReferralService } from './referral.service';

@Module({
  imports: [UserModule],
  controllers: [ReferralController],
  providers: [ReferralRepository, ReferralService],
  exports: [ReferralRepository, ReferralService],
})
export class ReferralModule {}
