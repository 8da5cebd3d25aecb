import { ApiProperty } from '@nestjs/swagger';
import { IsWalletAddress } from './is-wallet-address';

export class WalletChallengeDto {
  @ApiProperty({
    pattern: '^0x[0-9a-fA-F]{40}$',
    example: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    description: 'The wallet to link: all lower-case, or with a correct EIP-55 checksum',
  })
  @IsWalletAddress()
  address!: string;
}
