import { UserEntity } from './entities/user.entity';

/** User JSON of API.md: never a password hash or role internals. */
export interface UserJson {
  id: number;
  email: string;
  username: string;
  wallet_address: string | null;
  referral_code: string;
  created_at: string;
  last_active: string;
}

export function toUserJson(user: UserEntity): UserJson {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    wallet_address: user.walletAddress,
    referral_code: user.referralCode,
    created_at: user.createdAt.toISOString(),
    last_active: user.lastActive.toISOString(),
  };
}
