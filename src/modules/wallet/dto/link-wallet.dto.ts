import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** Longest message accepted: an issued challenge is a few hundred characters. */
export const MAX_SIWE_MESSAGE_LENGTH = 4_000;
/** Hex characters of a signature: 65 bytes for a key, more for smart-wallet (EIP-1271/6492) ones. */
export const MAX_SIGNATURE_HEX = 20_000;

export class LinkWalletDto {
  @ApiProperty({ maxLength: MAX_SIWE_MESSAGE_LENGTH, description: 'The `message` of the challenge, exactly as issued and signed' })
  @IsString()
  @MaxLength(MAX_SIWE_MESSAGE_LENGTH)
  message!: string;

  @ApiProperty({
    pattern: '^0x([0-9a-fA-F]{2})+$',
    maxLength: MAX_SIGNATURE_HEX + 2,
    example: `0x${'ab'.repeat(65)}`,
    description: 'EIP-191 personal_sign signature of the message by the wallet (EIP-1271 for contract wallets when the service has an RPC)',
  })
  @IsString()
  @MaxLength(MAX_SIGNATURE_HEX + 2)
  @Matches(/^0x(?:[0-9a-fA-F]{2})+$/, { message: 'signature must be 0x followed by hexadecimal bytes' })
  signature!: string;
}
