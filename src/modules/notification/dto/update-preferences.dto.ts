import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { NOTIFICATION_TYPES, NotificationType } from '../notification-types';

export class PreferenceChangeDto {
  @ApiProperty({ enum: NOTIFICATION_TYPES, enumName: 'NotificationType', example: 'node.offline' })
  @IsIn(NOTIFICATION_TYPES, { message: `type must be one of ${NOTIFICATION_TYPES.join(', ')}` })
  type!: NotificationType;

  @ApiPropertyOptional({ type: Boolean, description: 'In the feed and live on /ws/dashboard' })
  @IsOptional()
  @IsBoolean()
  in_app?: boolean;

  @ApiPropertyOptional({ type: Boolean, description: 'To the webhook endpoint, when one is registered' })
  @IsOptional()
  @IsBoolean()
  webhook?: boolean;

  @ApiPropertyOptional({ type: Boolean, description: 'By email, when the server sends email' })
  @IsOptional()
  @IsBoolean()
  email?: boolean;
}

export class UpdatePreferencesDto {
  @ApiProperty({ type: [PreferenceChangeDto], maxItems: NOTIFICATION_TYPES.length, description: 'Channels left out keep their setting' })
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @ValidateNested({ each: true })
  @Type(() => PreferenceChangeDto)
  preferences!: PreferenceChangeDto[];
}
