import { Injectable } from '@nestjs/common';
import { InjectMetric, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Histogram } from 'prom-client';

export const HTTP_REQUEST_DURATION = 'http_request_duration_seconds';

export const httpRequestDurationProvider = makeHistogramProvider({
  name: HTTP_REQUEST_DURATION,
  help: 'HTTP request duration in seconds, by method, route template and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

/** Observes each finished HTTP request under its route template (never the raw URL: bounded labels). */
@Injectable()
export class HttpMetrics {
  constructor(@InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>) {}

  observe(method: string, routeTemplate: string | undefined, status: number, elapsedMs: number): void {
    this.duration.observe(
      { method, route: routeTemplate ?? 'unmatched', status: String(status) },
      elapsedMs / 1000,
    );
  }
}
