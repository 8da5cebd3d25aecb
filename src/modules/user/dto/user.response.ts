import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ApiId, ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { Role } from '../../auth/auth-user';
import { UserJson } from '../user.mapper';

const ROLES = Object.keys({ user: true, admin: true } satisfies Record<Role, true>);

/** User JSON of API.md (documentation only; `toUserJson` builds the real body). */
@ApiSchema({ name: 'User', description: 'A user, as the user sees themself: never a password hash or role internals' })
export class UserResponse implements UserJson, OnlyKeysOf<UserJson, UserResponse> {
  @ApiId()
  id!: number;

  @ApiProperty({ format: 'email', example: 'alice@example.com', description: 'Stored lower-case' })
  email!: string;

  @ApiProperty({ example: 'alice_01', pattern: '^[A-Za-z0-9_]{3,32}$' })
  username!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^0x[0-9a-fA-F]{40}$',
    example: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    description: 'Payout wallet linked by signature (EIP-55 checksummed), or null',
  })
  wallet_address!: string | null;

  @ApiProperty({
    minLength: 6,
    pattern: '^[A-Za-z0-9_-]{6,}$',
    example: 'k3Xq9PzA',
    description: 'Unique, URL-safe; others register with it to become referees of this user',
  })
  referral_code!: string;

  @ApiProperty({
    enum: ROLES,
    enumName: 'Role',
    example: 'user',
    description: 'admin: the email is listed in ADMIN_EMAILS (as of this response); admins may use /api/admin',
  })
  role!: Role;

  @ApiTimestamp()
  created_at!: string;

  @ApiTimestamp('Registration, last login or last token refresh')
  last_active!: string;
}
