import { ValidateIf } from 'class-validator';
import { IsUsername } from './username';

/** The wallet is not here: it is linked by signature (POST /api/user/wallet); `wallet_address` is an unknown field. */
export class UpdateMeDto {
  // Absent leaves the name unchanged; null is validated (and refused), not treated as absent, since
  // a username cannot be removed (IsOptional would let null through to the NOT NULL column).
  @ValidateIf((dto: UpdateMeDto) => dto.username !== undefined)
  @IsUsername(false)
  username?: string;
}
