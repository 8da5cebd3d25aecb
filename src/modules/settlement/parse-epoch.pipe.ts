import { Injectable, PipeTransform } from '@nestjs/common';
import { DashboardError } from '../../common/errors';
import { MAX_EPOCH } from './settlement.service';

/** Route epochs: decimal integers from 0 to MAX_EPOCH; anything else is a 400, never reaching SQL. */
@Injectable()
export class ParseEpochPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const epoch = /^(0|[1-9]\d{0,9})$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(epoch) || epoch > MAX_EPOCH) {
      throw DashboardError.validation('Invalid epoch', [{ field: 'epoch', problems: [`epoch must be an integer from 0 to ${MAX_EPOCH}`] }]);
    }
    return epoch;
  }
}
