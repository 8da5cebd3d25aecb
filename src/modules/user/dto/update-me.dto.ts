import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateIf } from 'class-validator';
import { IsUsername } from './username';
import { IsWalletAddress } from './is-wallet-address';

export class UpdateMeDto {
  @IsOptional()
  @IsUsername(false)
  username?: string;

  @ApiPropertyOptional({
    nullable: true,
    example: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    description: 'EIP-55 checksum enforced when mixed-case; null unlinks',
  })
  // `null` unlinks the wallet and an absent field leaves it unchanged; anything else must be an address.
  @ValidateIf((dto: UpdateMeDto) => dto.wallet_address !== null && dto.wallet_address !== undefined)
  @IsWalletAddress()
  wallet_address?: string | null;
}
