import { Role } from '../auth/auth-user';
import { EarningsDataJson } from '../earnings/earnings.mapper';
import { NetworkSummaryJson } from '../network/network.mapper';
import { ReferralDataJson } from '../referral/referral.mapper';
import { UserEntity } from '../user/entities/user.entity';
import { toUserJson, UserJson } from '../user/user.mapper';

export interface AdminUserJson extends UserJson {
  disabled_at: string | null;
}

export interface AdminUserDetailJson extends AdminUserJson {
  earnings: EarningsDataJson;
  networks: NetworkSummaryJson;
  referrals: ReferralDataJson;
}

export function toAdminUserJson(user: UserEntity, role: Role): AdminUserJson {
  return { ...toUserJson(user, role), disabled_at: user.disabledAt?.toISOString() ?? null };
}
