import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsUsername } from './username';
import { IsWalletAddress } from './is-wallet-address';

export class UpdateMeDto {
  // Absent leaves the name unchanged; null is validated (and refused), not treated as absent, since
  // a username cannot be removed (IsOptional would let null through to the NOT NULL column).
  @ValidateIf((dto: UpdateMeDto) => dto.username !== undefined)
  @IsUsername(false)
  username?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: '^0x[0-9a-fA-F]{40}$',
    example: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    description: 'EIP-55 checksum enforced when mixed-case; null unlinks',
  })
  // `null` unlinks the wallet and an absent field leaves it unchanged; anything else must be an address.
  @ValidateIf((dto: UpdateMeDto) => dto.wallet_address !== null && dto.wallet_address !== undefined)
  @IsWalletAddress()
  wallet_address?: string | null;
}
