import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of POST /api/auth/refresh and /api/auth/logout. */
export class RefreshTokenDto {
  @ApiProperty({ minLength: 1, maxLength: 256, description: 'refresh_token of the last token response' })
  @IsString()
  @Length(1, 256)
  refresh_token!: string;
}
