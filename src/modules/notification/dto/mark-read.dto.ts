import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, Equals, IsArray, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Exactly one of `ids` and `all` (checked by the service, which names the field). */
export class MarkReadDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    minItems: 1,
    maxItems: 500,
    description: 'Notifications to mark read; ids that are not the caller’s are ignored',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsInt({ each: true, message: 'ids must be integer ids' })
  @Min(1, { each: true })
  @Max(Number.MAX_SAFE_INTEGER, { each: true })
  ids?: number[];

  @ApiPropertyOptional({ type: Boolean, enum: [true], description: 'true: mark every notification read' })
  @IsOptional()
  @Equals(true, { message: 'all must be true when given' })
  all?: true;
}
