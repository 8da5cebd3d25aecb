import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { WalletChallengeEntity } from './entities/wallet-challenge.entity';

export interface NewWalletChallenge {
  nonce: string;
  userId: number;
  address: string;
  message: string;
  expiresAt: Date;
}

/** Named queries on `wallet_challenges`. */
@Injectable()
export class WalletChallengeRepository {
  constructor(@InjectRepository(WalletChallengeEntity) private readonly challenges: Repository<WalletChallengeEntity>) {}

  /**
   * Stores a new challenge, first dropping the user's expired ones so they cannot pile up. Spent
   * ones are kept until they expire, so that a replay is told apart from a forgery.
   */
  async issue(challenge: NewWalletChallenge): Promise<WalletChallengeEntity> {
    await this.challenges.query(`DELETE FROM wallet_challenges WHERE user_id = $1 AND expires_at <= now()`, [challenge.userId]);
    await this.challenges.insert(challenge);
    return this.challenges.findOneByOrFail({ nonce: challenge.nonce });
  }

  findByNonce(nonce: string): Promise<WalletChallengeEntity | null> {
    return this.challenges.findOneBy({ nonce });
  }

  /**
   * True when the address has carried another user's earnings in a settled epoch: it stays theirs
   * (the payout contract pays per address), so nobody else may link it.
   */
  async carriesAnotherUsersEarnings(address: string, userId: number): Promise<boolean> {
    const rows = (await this.challenges.query(`SELECT user_id FROM settlement_accounts WHERE lower(account) = lower($1)`, [address])) as Array<{
      user_id: string | number;
    }>;
    return rows.some((row) => Number(row.user_id) !== userId);
  }

  /**
   * Spends the nonce for its user if it is still unused and unexpired; false otherwise. Atomic, so
   * two requests racing with one signed message link at most once.
   */
  async consume(nonce: string, userId: number, manager: EntityManager): Promise<boolean> {
    const rows = (await manager.query(
      `UPDATE wallet_challenges SET used_at = now()
        WHERE nonce = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING nonce`,
      [nonce, userId],
    )) as [unknown[], number];
    return rows[0].length > 0;
  }
}
