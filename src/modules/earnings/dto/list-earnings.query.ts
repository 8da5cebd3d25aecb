import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { PageQuery } from '../../../common/http/page.query';
import { EARNING_SOURCES, EarningSource } from '../entities/earning.entity';

export class ListEarningsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: EARNING_SOURCES, enumName: 'EarningSource', description: 'Only rows of this source' })
  @IsOptional()
  @IsIn(EARNING_SOURCES, { message: `source must be one of ${EARNING_SOURCES.join(', ')}` })
  source?: EarningSource;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339; rows at or after' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an RFC 3339 timestamp' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339; rows before' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an RFC 3339 timestamp' })
  to?: string;
}
