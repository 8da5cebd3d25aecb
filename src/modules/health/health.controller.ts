import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { INSTANCE_ID } from '../../common/lifecycle/instance-id';
import { LifecycleState } from '../../common/lifecycle/lifecycle-state';
import { ErrorBodyResponse } from '../../openapi';
import { Public } from '../auth/guards/public.decorator';
import { HealthCheckResponse } from './dto/health-check.response';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1_500;

/** Like every route that takes no query, the probes refuse one (UnknownQueryGuard). */
const NO_QUERY = { type: ErrorBodyResponse, description: '`ValidationError`: the probes take no query parameters' };

/** Kubernetes probes. Bodies are terminus JSON; readiness is 503 while anything it needs is down. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly lifecycle: LifecycleState,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  /** Liveness; `x-instance-id` tells operators (and the cluster test) which instance answered. */
  @Get('live')
  @Header('cache-control', 'no-store')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness: the process is up and its event loop answers' })
  @ApiBadRequestResponse(NO_QUERY)
  @ApiOkResponse({
    type: HealthCheckResponse,
    description: 'Alive (no checks: `details` is empty)',
    headers: {
      'x-instance-id': { description: 'Which instance answered', schema: { type: 'string' } },
      'cache-control': { description: '`no-store`', schema: { type: 'string' } },
    },
  })
  live(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    void reply.header('x-instance-id', this.instanceId);
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: database (and Redis where configured) reachable, not shutting down' })
  @ApiBadRequestResponse(NO_QUERY)
  @ApiOkResponse({ type: HealthCheckResponse, description: 'Ready: every check is up' })
  @ApiServiceUnavailableResponse({
    type: HealthCheckResponse,
    description: 'Not ready: the database or Redis is unreachable, or the instance is shutting down (`error` names the checks that are down)',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => {
          const indicator = this.indicators.check('lifecycle');
          return this.lifecycle.isShuttingDown ? indicator.down({ message: 'shutting down' }) : indicator.up();
        },
        () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        ...(this.redis.configured ? [() => this.redis.check('redis', CHECK_TIMEOUT_MS)] : []),
      ]);
    } catch (error) {
      // Terminus throws a 503 carrying the full result; answer with that result, not an error body.
      const result = (error as { getResponse?: () => unknown }).getResponse?.();
      if (result === undefined) throw error;
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return result as HealthCheckResult;
    }
  }
}
