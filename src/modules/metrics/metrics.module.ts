import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HttpMetrics, httpRequestDurationProvider } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { collectProcessMetricsOnce } from './process-metrics';

@Global()
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: false },
    }),
  ],
  providers: [httpRequestDurationProvider, HttpMetrics],
  exports: [HttpMetrics],
})
export class MetricsModule {
  constructor() {
    collectProcessMetricsOnce();
  }
}
