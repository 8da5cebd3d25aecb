import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { HasNoNul } from '../../../common/http/no-nul';
import { PageQuery } from '../../../common/http/page.query';

export class SearchUsersQuery extends PageQuery {
  @ApiPropertyOptional({ maxLength: 254, description: 'Substring of email or username, case-insensitive' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @HasNoNul()
  q?: string;
}
