import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationOutboxModule } from '../notification/outbox/notification-outbox.module';
import { UserModule } from '../user/user.module';
import { WalletChallengeEntity } from './entities/wallet-challenge.entity';
import { SignatureVerifier } from './signature-verifier';
import { WalletChallengeRepository } from './wallet-challenge.repository';
import { WalletController } from './wallet.controller';
import { WalletService } from './wallet.service';

/** Payout wallets: linked only by a signature that proves the key (Sign-In with Ethereum). */
@Module({
  imports: [TypeOrmModule.forFeature([WalletChallengeEntity]), UserModule, NotificationOutboxModule],
  controllers: [WalletController],
  providers: [WalletChallengeRepository, WalletService, SignatureVerifier],
})
export class WalletModule {}
