import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getAddress, Hex } from 'viem';
import { createSiweMessage, generateSiweNonce, parseSiweMessage } from 'viem/siwe';
import { DashboardError, DashboardErrorType } from '../../common/errors';
import { AppConfig } from '../../config';
import { isUniqueViolation } from '../../database/pg-errors';
import { AuthUser } from '../auth/auth-user';
import { NotificationOutbox } from '../notification/outbox/notification-outbox.service';
import { UserRepository } from '../user/user.repository';
import { SignatureVerifier } from './signature-verifier';
import { SiweOrigin } from './siwe-origin';
import { WalletChallengeRepository } from './wallet-challenge.repository';
import { toWalletChallengeJson, WalletChallengeJson } from './wallet.mapper';

/** How long a challenge may be signed and submitted. */
export const WALLET_CHALLENGE_TTL_MS = 10 * 60_000;

const STATEMENT = 'Link this wallet to your DePIN dashboard account to receive payouts.';

/**
 * Wallet ownership: a user links a payout wallet by signing a Sign-In with Ethereum (EIP-4361)
 * message the service issued for that address, with a single-use nonce. Every check runs before
 * anything is written; the nonce is spent in the transaction that links the wallet.
 */
@Injectable()
export class WalletService {
  private readonly logger = new Logger('WalletService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly challenges: WalletChallengeRepository,
    private readonly users: UserRepository,
    private readonly notifications: NotificationOutbox,
    private readonly verifier: SignatureVerifier,
    private readonly config: AppConfig,
  ) {}

  async challenge(auth: AuthUser, address: string, origin: SiweOrigin, now = new Date()): Promise<WalletChallengeJson> {
    const nonce = generateSiweNonce();
    const expiresAt = new Date(now.getTime() + WALLET_CHALLENGE_TTL_MS);
    const checksummed = getAddress(address);
    const message = createSiweMessage({
      domain: origin.domain,
      uri: origin.uri,
      address: checksummed,
      statement: STATEMENT,
      version: '1',
      chainId: this.config.settlement.chainId,
      nonce,
      issuedAt: now,
      expirationTime: expiresAt,
    });
    const issued = await this.challenges.issue({ nonce, userId: auth.userId, address: checksummed, message, expiresAt });
    return toWalletChallengeJson(issued);
  }

  /** Verifies the signed challenge and links its address; returns the linked address. */
  async link(auth: AuthUser, message: string, signature: Hex): Promise<string> {
    const { userId } = auth;
    const fields = parseSiweMessage(message);
    if (fields.nonce === undefined || fields.address === undefined) throw invalid('message', 'message is not a Sign-In with Ethereum message');
    const challenge = await this.challenges.findByNonce(fields.nonce);
    if (challenge === null || challenge.userId !== userId) throw invalid('message', 'the nonce is unknown, expired or was not issued to this account');
    if (challenge.usedAt !== null) throw invalid('message', 'the nonce has already been used');
    if (challenge.expiresAt.getTime() <= Date.now()) throw invalid('message', 'the challenge has expired');

    const issued = parseSiweMessage(challenge.message);
    for (const field of ['domain', 'address', 'chainId', 'uri'] as const) {
      if (fields[field] !== issued[field]) throw invalid('message', `the message's ${field} differs from the challenge issued`);
    }
    if (message !== challenge.message) throw invalid('message', 'the message differs from the challenge issued');

    let valid: boolean;
    try {
      valid = await this.verifier.verify(challenge.address as Hex, message, signature);
    } catch (error) {
      throw new DashboardError(DashboardErrorType.ServiceUnavailable, 'The chain could not be asked about this signature', { cause: error });
    }
    if (!valid) throw invalid('signature', `signature is not ${challenge.address}'s signature of the message`);

    const address = challenge.address;
    if (await this.challenges.carriesAnotherUsersEarnings(address, userId)) throw DashboardError.conflict('This wallet is linked to another account');
    try {
      await this.dataSource.transaction(async (manager) => {
        if (!(await this.challenges.consume(challenge.nonce, userId, manager))) {
          throw invalid('message', 'the nonce has already been used or has expired');
        }
        const { previousWallet } = await this.users.updateProfile(userId, { walletAddress: address }, manager);
        if (previousWallet !== address) {
          await this.notifications.record(manager, userId, 'security.wallet_linked', { address });
        }
      });
    } catch (error) {
      if (isUniqueViolation(error, 'uq_users_wallet_address')) throw DashboardError.conflict('This wallet is linked to another account');
      throw error;
    }
    this.logger.log({ userId, address }, 'Wallet linked');
    return address;
  }
}

function invalid(field: string, problem: string): DashboardError {
  return DashboardError.validation('The wallet signature was not accepted', [{ field, problems: [problem] }]);
}
