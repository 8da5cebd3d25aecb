import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `limit` and `cursor` of list endpoints (API.md: limit 1–200, default 50). */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ maxLength: 512, description: 'next_cursor of the previous page, unchanged' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
