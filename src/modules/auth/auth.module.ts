import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationOutboxModule } from '../notification/outbox/notification-outbox.module';
import { ReferralModule } from '../referral/referral.module';
import { UserModule } from '../user/user.module';
import { AuthSessionRepository } from './auth-session.repository';
import { AuthThrottle } from './auth-throttle.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthSessionEntity } from './entities/auth-session.entity';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { PasswordHasher } from './password-hasher';
import { SessionValidator } from './session-validator.service';
import { TokenService } from './token.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([AuthSessionEntity, RefreshTokenEntity]),
    JwtModule.register({}),
    UserModule,
    ReferralModule,
    NotificationOutboxModule,
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthSessionRepository,
    AuthThrottle,
    PasswordHasher,
    SessionValidator,
    TokenService,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [TokenService, SessionValidator, AuthSessionRepository],
})
export class AuthModule {}
