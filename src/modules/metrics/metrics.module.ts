import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { HttpMetrics, httpRequestDurationProvider } from './http-metrics';
import { MetricsController } from './metrics.controller';

/** Process-wide default metrics (CPU, memory, event loop lag, …), registered once per process. */
function collectDefaultMetricsOnce(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total') === undefined) collectDefaultMetrics();
}

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
    collectDefaultMetricsOnce();
  }
}
