import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions, ApiSchema } from '@nestjs/swagger';
import type { HealthCheckResult, HealthCheckStatus, HealthIndicatorResult } from '@nestjs/terminus';
import { OnlyKeysOf } from '../../../openapi';

const STATUSES = Object.keys({ ok: true, error: true, shutting_down: true } satisfies Record<HealthCheckStatus, true>);

/** A map with one entry per check (`lifecycle`, `database`, `redis`): its status and any details. */
function indicators(description: string, example: object): ApiPropertyOptions {
  return {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['up', 'down'] } },
      required: ['status'],
      additionalProperties: true,
    },
    description,
    example,
  };
}

const ALL_UP = { lifecycle: { status: 'up' }, database: { status: 'up' } };

/** Terminus JSON of the probes (documentation only; @nestjs/terminus builds the real body). */
@ApiSchema({ name: 'HealthCheck', description: 'Terminus health check result' })
export class HealthCheckResponse implements HealthCheckResult, OnlyKeysOf<HealthCheckResult, HealthCheckResponse> {
  @ApiProperty({ enum: STATUSES, example: 'ok' })
  status!: HealthCheckStatus;

  @ApiPropertyOptional(indicators('The checks that are up', ALL_UP))
  info?: HealthIndicatorResult;

  @ApiPropertyOptional(indicators('The checks that are down', {}))
  error?: HealthIndicatorResult;

  @ApiProperty(indicators('Every check', ALL_UP))
  details!: HealthIndicatorResult;
}
