import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { WalletChallengeJson } from '../wallet.mapper';

@ApiSchema({ name: 'WalletChallenge', description: 'A Sign-In with Ethereum (EIP-4361) message to sign with the wallet' })
export class WalletChallengeResponse implements WalletChallengeJson, OnlyKeysOf<WalletChallengeJson, WalletChallengeResponse> {
  @ApiProperty({ description: 'The EIP-4361 text to sign (personal_sign), unchanged' })
  message!: string;

  @ApiProperty({ example: 'k3Xq9PzAw8Lm2Nb4', description: 'Single-use; valid until expires_at' })
  nonce!: string;

  @ApiTimestamp('When the challenge expires (10 minutes after it was issued)')
  expires_at!: string;
}
