import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { HasNoNul } from '../../../common/http/no-nul';

export class PutWebhookDto {
  @ApiProperty({
    example: 'https://hooks.example.com/depin',
    minLength: 1,
    maxLength: 2048,
    description: 'https (http too outside production); must resolve to public addresses',
  })
  @IsString()
  @Length(1, 2048)
  @HasNoNul()
  url!: string;
}
