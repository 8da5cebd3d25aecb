import { numericToJson } from '../../common/points';
import { ReferralCounts, ReferralRow } from './referral.repository';

export interface ReferralJson {
  id: number;
  referrer_id: number;
  referee_id: number;
  referee_username: string;
  status: string;
  points: number;
  created_at: string;
}

/** ReferralData of API.md. */
export interface ReferralDataJson {
  referral_code: string;
  total: number;
  pending: number;
  completed: number;
  rewarded: number;
  points: number;
}

export function toReferralJson(row: ReferralRow): ReferralJson {
  return {
    id: row.id,
    referrer_id: row.referrer_id,
    referee_id: row.referee_id,
    referee_username: row.referee_username,
    status: row.status,
    points: numericToJson(row.points),
    created_at: row.created_at.toISOString(),
  };
}

export function toReferralData(referralCode: string, counts: ReferralCounts): ReferralDataJson {
  return {
    referral_code: referralCode,
    total: counts.total,
    pending: counts.pending,
    completed: counts.completed,
    rewarded: counts.rewarded,
    points: numericToJson(counts.points),
  };
}
