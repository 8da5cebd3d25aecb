import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class UnsubscribeQuery {
  @ApiProperty({ description: 'The token of an email’s unsubscribe link, unchanged', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  token!: string;
}
