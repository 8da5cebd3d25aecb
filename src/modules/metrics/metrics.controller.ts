import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config';
import { DashboardError } from '../../common/errors';
import { ErrorBodyResponse } from '../../openapi';
import { Public } from '../auth/guards/public.decorator';

/** GET /metrics in Prometheus text format; behind a bearer token when METRICS_TOKEN is set. */
@ApiTags('metrics')
@Public() // guarded by METRICS_TOKEN instead of user tokens
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly config: AppConfig) {
    super();
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  // Public unless METRICS_TOKEN is set: then `Authorization: Bearer <METRICS_TOKEN>` (not a user token).
  @ApiSecurity({})
  @ApiSecurity('metrics')
  @ApiHeader({ name: 'authorization', required: false, description: '`Bearer <METRICS_TOKEN>`, when METRICS_TOKEN is set' })
  @ApiOkResponse({
    description:
      'Process defaults (e.g. `process_resident_memory_bytes`), `http_request_duration_seconds` (histogram; method, route, status), `dashboard_ws_connections` (gauge; endpoint), …',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiUnauthorizedResponse({ type: ErrorBodyResponse, description: '`Unauthorized`: METRICS_TOKEN is set and was not presented' })
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
