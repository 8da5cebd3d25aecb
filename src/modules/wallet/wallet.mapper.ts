import { WalletChallengeEntity } from './entities/wallet-challenge.entity';

export interface WalletChallengeJson {
  message: string;
  nonce: string;
  expires_at: string;
}

export function toWalletChallengeJson(challenge: WalletChallengeEntity): WalletChallengeJson {
  return { message: challenge.message, nonce: challenge.nonce, expires_at: challenge.expiresAt.toISOString() };
}
