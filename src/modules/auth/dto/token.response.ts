import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { OnlyKeysOf } from '../../../openapi';
import { UserResponse } from '../../user/dto/user.response';
import { TokenResponse } from './token-response';

/** Answer of register, login and refresh (documentation only). */
@ApiSchema({ name: 'TokenResponse', description: 'The user and a new token pair' })
export class TokenPairResponse implements TokenResponse, OnlyKeysOf<TokenResponse, TokenPairResponse> {
  @ApiProperty({ type: UserResponse })
  user!: UserResponse;

  @ApiProperty({ description: 'JWT (HS256) for `Authorization: Bearer`, valid `expires_in` seconds' })
  access_token!: string;

  @ApiProperty({
    description: 'Opaque; exchange it at /api/auth/refresh. It rotates: each one works once, and reuse revokes the session',
  })
  refresh_token!: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  token_type!: 'Bearer';

  @ApiProperty({ type: 'integer', minimum: 1, example: 900, description: 'Seconds until the access token expires' })
  expires_in!: number;
}
