import { numericToJson, parseMicroPoints, pointsToJson } from '../../common/points';
import { EarningRow, SummaryRow, TimeseriesRow } from './earnings.repository';

export interface EarningJson {
  id: number;
  user_id: number;
  amount: number;
  source: string;
  timestamp: string;
  epoch: number;
}

/** EarningsData of API.md. */
export interface EarningsDataJson {
  total: number;
  today: number;
  current_epoch: number;
  epoch_total: number;
  by_source: { network: number; referral: number; bonus: number };
  updated_at: string;
}

export interface TimeseriesPointJson {
  t: string;
  network: number;
  referral: number;
  bonus: number;
  total: number;
}

export function toEarningJson(row: EarningRow): EarningJson {
  return {
    id: row.id,
    user_id: row.user_id,
    amount: numericToJson(row.amount),
    source: row.source,
    timestamp: row.timestamp.toISOString(),
    epoch: row.epoch,
  };
}

export function toEarningsData(row: SummaryRow, currentEpoch: number, now: Date): EarningsDataJson {
  const network = parseMicroPoints(row.network);
  const referral = parseMicroPoints(row.referral);
  const bonus = parseMicroPoints(row.bonus);
  return {
    total: pointsToJson(network + referral + bonus),
    today: numericToJson(row.today),
    current_epoch: currentEpoch,
    epoch_total: numericToJson(row.epoch_total),
    by_source: { network: pointsToJson(network), referral: pointsToJson(referral), bonus: pointsToJson(bonus) },
    updated_at: (row.updated_at ?? now).toISOString(),
  };
}

export function toTimeseriesPoint(row: TimeseriesRow): TimeseriesPointJson {
  const network = parseMicroPoints(row.network);
  const referral = parseMicroPoints(row.referral);
  const bonus = parseMicroPoints(row.bonus);
  return {
    t: row.t.toISOString(),
    network: pointsToJson(network),
    referral: pointsToJson(referral),
    bonus: pointsToJson(bonus),
    total: pointsToJson(network + referral + bonus),
  };
}
