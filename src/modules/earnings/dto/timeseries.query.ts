import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export const TIMESERIES_BUCKETS = ['hour', 'day'] as const;
export type TimeseriesBucket = (typeof TIMESERIES_BUCKETS)[number];

export class TimeseriesQuery {
  @ApiPropertyOptional({ enum: TIMESERIES_BUCKETS, enumName: 'TimeseriesBucket', default: 'hour' })
  @IsOptional()
  @IsIn(TIMESERIES_BUCKETS, { message: 'bucket must be hour or day' })
  bucket: TimeseriesBucket = 'hour';

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'RFC 3339, before `to`; default: 24 hours (hour) or 30 days (day) before `to`; at most 2000 buckets',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an RFC 3339 timestamp' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339; default: now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an RFC 3339 timestamp' })
  to?: string;
}
