import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../modules/auth/auth.module';
import { RealtimeMetrics } from './realtime.metrics';
import { RealtimeServer } from './realtime.server';

/** The WebSocket core, shared by the gateways of the feature modules. */
@Global()
@Module({
  imports: [AuthModule],
  providers: [RealtimeServer, RealtimeMetrics],
  exports: [RealtimeServer, RealtimeMetrics],
})
export class RealtimeModule {}
