import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, MaxLength } from 'class-validator';
import { IsEmailAddress } from '../../../common/http/is-email-address';

export class LoginDto {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'alice@example.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmailAddress()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'correct horse battery' })
  @IsString()
  @Length(1, 128)
  password!: string;
}
