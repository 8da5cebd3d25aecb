import { Injectable } from '@nestjs/common';
import { createPublicClient, Hex, http, PublicClient, verifyMessage } from 'viem';
import { AppConfig } from '../../config';

/**
 * Checks that `signature` is `address`'s EIP-191 signature of `message`. A key-held (EOA) wallet
 * is checked locally; when SETTLEMENT_RPC_URL is set, a signature that is not the key's is also
 * asked of the chain (EIP-1271 smart-contract wallets, EIP-6492 counterfactual ones).
 */
@Injectable()
export class SignatureVerifier {
  private readonly chain: PublicClient | null;

  constructor(config: AppConfig) {
    this.chain = config.settlement.rpcUrl === null ? null : createPublicClient({ transport: http(config.settlement.rpcUrl, { timeout: 10_000, retryCount: 1 }) });
  }

  async verify(address: Hex, message: string, signature: Hex): Promise<boolean> {
    if (await verifyMessage({ address, message, signature }).catch(() => false)) return true;
    if (this.chain === null) return false;
    return this.chain.verifyMessage({ address, message, signature });
  }
}
