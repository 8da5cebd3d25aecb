import { Role } from '../auth/auth-user';
import { UserEntity } from './entities/user.entity';

/** User JSON of API.md: never a password hash or role internals; `role` is what the caller may do. */
export interface UserJson {
  id: number;
  email: string;
  username: string;
  wallet_address: string | null;
  referral_code: string;
  role: Role;
  created_at: string;
  last_active: string;
}

/** `role` as of now: it follows ADMIN_EMAILS, not what was true when a token was issued. */
export function toUserJson(user: UserEntity, role: Role): UserJson {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    wallet_address: user.walletAddress,
    referral_code: user.referralCode,
    role,
    created_at: user.createdAt.toISOString(),
    last_active: user.lastActive.toISOString(),
  };
}
