import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Page } from '../../../common/cursor';
import { ApiId, ApiNextCursor, ApiPoints, ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { EarningJson, EarningsDataJson, TimeseriesPointJson } from '../earnings.mapper';
import { EARNING_SOURCES, EarningSource } from '../entities/earning.entity';
import { TIMESERIES_BUCKETS, TimeseriesBucket } from './timeseries.query';

/** Earnings JSON of API.md: one ledger row (documentation only; `toEarningJson` builds the real body). */
@ApiSchema({ name: 'Earnings', description: 'One ledger row: Network and Referral rows per hour, Bonus rows individually' })
export class EarningResponse implements EarningJson, OnlyKeysOf<EarningJson, EarningResponse> {
  @ApiId()
  id!: number;

  @ApiId('The user credited', 7)
  user_id!: number;

  @ApiPoints('Amount credited, positive', 0.5)
  amount!: number;

  @ApiProperty({ enum: EARNING_SOURCES, enumName: 'EarningSource', example: 'Network' })
  source!: EarningSource;

  @ApiTimestamp()
  timestamp!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 332, description: 'floor((timestamp − EPOCH_GENESIS) / EPOCH_SECONDS)' })
  epoch!: number;
}

@ApiSchema({ name: 'EarningsPage', description: 'Ledger rows, newest first' })
export class EarningsPageResponse implements Page<EarningJson>, OnlyKeysOf<Page<EarningJson>, EarningsPageResponse> {
  @ApiProperty({ type: [EarningResponse] })
  items!: EarningResponse[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

type BySourceJson = EarningsDataJson['by_source'];

@ApiSchema({ name: 'EarningsBySource', description: 'Lifetime totals per source' })
export class EarningsBySourceResponse implements BySourceJson, OnlyKeysOf<BySourceJson, EarningsBySourceResponse> {
  @ApiPoints('Node uptime', 90)
  network!: number;

  @ApiPoints('Referral commission, every tier', 20)
  referral!: number;

  @ApiPoints('Referral bonuses and admin bonuses', 50)
  bonus!: number;
}

/** EarningsData of API.md: REST summary and the WebSocket EarningsUpdate payload. */
@ApiSchema({ name: 'EarningsData', description: "The caller's totals; equal to the sum of their ledger rows" })
export class EarningsDataResponse implements EarningsDataJson, OnlyKeysOf<EarningsDataJson, EarningsDataResponse> {
  @ApiPoints('Lifetime total', 160)
  total!: number;

  @ApiPoints('Since 00:00 UTC', 12)
  today!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 332, description: 'The epoch now' })
  current_epoch!: number;

  @ApiPoints('Earned in the current epoch', 12)
  epoch_total!: number;

  @ApiProperty({ type: EarningsBySourceResponse })
  by_source!: EarningsBySourceResponse;

  @ApiTimestamp('When the totals last changed (now when nothing has been earned yet)')
  updated_at!: string;
}

@ApiSchema({ name: 'TimeseriesPoint', description: 'Sums of one bucket, by source' })
export class TimeseriesPointResponse implements TimeseriesPointJson, OnlyKeysOf<TimeseriesPointJson, TimeseriesPointResponse> {
  @ApiTimestamp('Start of the bucket (aligned to UTC hours or days)')
  t!: string;

  @ApiPoints('Network', 1)
  network!: number;

  @ApiPoints('Referral', 0.2)
  referral!: number;

  @ApiPoints('Bonus', 0)
  bonus!: number;

  @ApiPoints('Sum of the three', 1.2)
  total!: number;
}

/** What `EarningsService.timeseries` returns. */
type TimeseriesJson = { bucket: TimeseriesBucket; points: TimeseriesPointJson[] };

@ApiSchema({ name: 'EarningsTimeseries', description: 'Zero-filled buckets, ascending' })
export class TimeseriesResponse implements TimeseriesJson, OnlyKeysOf<TimeseriesJson, TimeseriesResponse> {
  @ApiProperty({ enum: TIMESERIES_BUCKETS, enumName: 'TimeseriesBucket', example: 'hour' })
  bucket!: TimeseriesBucket;

  @ApiProperty({ type: [TimeseriesPointResponse] })
  points!: TimeseriesPointResponse[];
}
