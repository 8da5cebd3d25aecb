import { Injectable, PipeTransform } from '@nestjs/common';
import { DashboardError } from '../errors';

/** Route ids: decimal positive integers below 2^53; anything else is a 400, never reaching SQL. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9]\d{0,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id)) {
      throw DashboardError.validation('Invalid id', [{ field: 'id', problems: ['id must be a positive integer'] }]);
    }
    return id;
  }
}
