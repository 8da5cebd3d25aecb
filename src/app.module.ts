import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppRuntime } from './app-runtime';
import { INSTANCE_ID } from './common/lifecycle/instance-id';
import { LifecycleState } from './common/lifecycle/lifecycle-state';
import { LoggingModule } from './common/logging/logging.module';
import { ConfigModule } from './config';
import { DatabaseModule } from './database/database.module';
import { InfraModule } from './infra/infra.module';
import { AdminModule } from './modules/admin/admin.module';
import { AuthModule } from './modules/auth/auth.module';
import { EarningsModule } from './modules/earnings/earnings.module';
import { HealthModule } from './modules/health/health.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { NetworkModule } from './modules/network/network.module';
import { NotificationModule } from './modules/notification/notification.module';
import { ReferralModule } from './modules/referral/referral.module';
import { SettlementModule } from './modules/settlement/settlement.module';
import { UserModule } from './modules/user/user.module';
import { WalletModule } from './modules/wallet/wallet.module';
import { RealtimeModule } from './realtime/realtime.module';

/** Process-wide singletons that any module may need. */
@Global()
@Module({})
class CoreModule {
  static forRoot(runtime: AppRuntime): DynamicModule {
    return {
      module: CoreModule,
      providers: [LifecycleState, { provide: INSTANCE_ID, useValue: runtime.instanceId }],
      exports: [LifecycleState, INSTANCE_ID],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(runtime: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(runtime.config),
        CoreModule.forRoot(runtime),
        LoggingModule.forRoot(runtime.config, runtime.logDestination),
        DatabaseModule.forRoot(runtime.database),
        InfraModule.forRoot(runtime.config),
        MetricsModule,
        HealthModule,
        AuthModule,
        UserModule,
        WalletModule,
        SettlementModule,
        ReferralModule,
        EarningsModule,
        NetworkModule,
        AdminModule,
        RealtimeModule,
        NotificationModule,
      ],
    };
  }
}
