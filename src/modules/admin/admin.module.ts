import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EarningsModule } from '../earnings/earnings.module';
import { NetworkModule } from '../network/network.module';
import { ReferralModule } from '../referral/referral.module';
import { UserModule } from '../user/user.module';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [AuthModule, UserModule, EarningsModule, NetworkModule, ReferralModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
