import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsEmailAddress } from '../../../common/http/is-email-address';
import { HasNoNul } from '../../../common/http/no-nul';
import { IsUsername } from '../../user/dto/username';

const trimLower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RegisterDto {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'alice@example.com', description: 'Stored lower-case' })
  @Transform(trimLower)
  @IsEmailAddress()
  @MaxLength(254)
  email!: string;

  @IsUsername()
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, example: 'correct horse battery' })
  @IsString()
  @Length(8, 128, { message: 'password must be 8-128 characters' })
  password!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 32,
    example: 'k3Xq9PzA',
    description: "Another user's referral code; an unknown one is a ValidationError",
  })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  @HasNoNul()
  referral_code?: string;
}
