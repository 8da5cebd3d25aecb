import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, IsString, Length, Max } from 'class-validator';
import { HasPointDecimals, IsPositivePoints } from '../../../common/http/is-points';
import { HasNoNul } from '../../../common/http/no-nul';

export class GrantBonusDto {
  @ApiProperty({ example: 25.5, minimum: 0, exclusiveMinimum: true, maximum: 1_000_000, description: 'At most 6 decimals' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'amount must be a number with at most 6 decimals' })
  @HasPointDecimals()
  @IsPositivePoints()
  @Max(1_000_000)
  amount!: number;

  @ApiProperty({ example: 'Community event winner', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @HasNoNul()
  reason!: string;
}
