import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQuery } from '../../../common/http/page.query';

/** `true`/`false` in a query string; anything else stays a string and fails IsBoolean. */
export const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, description: 'Only unread notifications' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}
