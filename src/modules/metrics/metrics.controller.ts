import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config';
import { DashboardError } from '../../common/errors';
import { Public } from '../auth/guards/public.decorator';

/** GET /metrics in Prometheus text format; behind a bearer token when METRICS_TOKEN is set. */
@ApiExcludeController()
@Public() // guarded by METRICS_TOKEN instead of user tokens
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly config: AppConfig) {
    super();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    const token = this.config.metrics.token;
    if (token !== null && !bearerMatches(authorization, token)) {
      throw DashboardError.unauthorized('A valid metrics token is required');
    }
    return super.index(reply);
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
