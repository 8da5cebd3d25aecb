import { readFileSync } from 'node:fs';
import {
  Address,
  createPublicClient,
  defineChain,
  encodeFunctionData,
  Hex,
  http,
  keccak256,
  PublicClient,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
} from 'viem';
import { privateKeyToAccount, PrivateKeyAccount } from 'viem/accounts';
import { AppConfig } from '../../../config';
import { BlockchainConnector, ChainRoot, SignedRootTransaction, TransactionState } from '../blockchain-connector';
import { cumulativeMerkleDistributorAbi } from './contracts.generated';

/** Each JSON-RPC request gives up after this long (the publisher retries with backoff). */
const RPC_TIMEOUT_MS = 10_000;

/**
 * The `evm` adapter: publishes roots to the CumulativeMerkleDistributor at SETTLEMENT_CONTRACT
 * over SETTLEMENT_RPC_URL with viem, signing locally with the publisher key (the contract's owner).
 * Transactions are signed before they are sent, so their hash can be recorded first.
 */
export class EvmConnector extends BlockchainConnector {
  readonly adapter = 'evm' as const;
  readonly onChain = true;
  private readonly client: PublicClient;
  private readonly account: PrivateKeyAccount;
  private readonly contract: Address;
  private readonly chainId: number;
  /** Set once the RPC has been seen to serve SETTLEMENT_CHAIN_ID. */
  private chainChecked = false;

  constructor(config: AppConfig) {
    super();
    const settlement = config.settlement;
    this.chainId = settlement.chainId;
    this.contract = settlement.contract as Address;
    this.account = privateKeyToAccount(publisherKeyOf(settlement.publisherKey, settlement.publisherKeyFile));
    const chain = defineChain({
      id: settlement.chainId,
      name: `chain ${settlement.chainId}`,
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [settlement.rpcUrl!] } },
    });
    this.client = createPublicClient({ chain, transport: http(settlement.rpcUrl!, { timeout: RPC_TIMEOUT_MS, retryCount: 0 }) });
  }

  get publisher(): Address {
    return this.account.address;
  }

  async currentRoot(): Promise<ChainRoot> {
    const [epoch, root] = await Promise.all([
      this.client.readContract({ address: this.contract, abi: cumulativeMerkleDistributorAbi, functionName: 'epoch' }),
      this.client.readContract({ address: this.contract, abi: cumulativeMerkleDistributorAbi, functionName: 'merkleRoot' }),
    ]);
    return { epoch: Number(epoch), root };
  }

  async signRoot(epoch: number, root: string): Promise<SignedRootTransaction> {
    await this.checkChain();
    const data = encodeFunctionData({ abi: cumulativeMerkleDistributorAbi, functionName: 'setRoot', args: [BigInt(epoch), root as Hex] });
    // Estimating runs the call: a revert (not the owner, epoch not newer) fails here, before signing.
    const [nonce, gas, fees] = await Promise.all([
      this.client.getTransactionCount({ address: this.account.address, blockTag: 'pending' }),
      this.client.estimateGas({ account: this.account, to: this.contract, data }),
      this.client.estimateFeesPerGas(),
    ]);
    const raw = await this.account.signTransaction({
      type: 'eip1559',
      chainId: this.chainId,
      to: this.contract,
      data,
      nonce,
      gas: (gas * 12n) / 10n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { hash: keccak256(raw), raw };
  }

  /**
   * A transaction signed for another chain is refused by the node with an opaque error (EIP-155);
   * this names the misconfiguration instead, in the publisher's error and log, before signing.
   */
  private async checkChain(): Promise<void> {
    if (this.chainChecked) return;
    const served = await this.client.getChainId();
    if (served !== this.chainId) {
      throw new Error(`SETTLEMENT_RPC_URL serves chain ${served}, but SETTLEMENT_CHAIN_ID is ${this.chainId}: wallets sign for and payouts are made on SETTLEMENT_CHAIN_ID`);
    }
    this.chainChecked = true;
  }

  async broadcast(raw: string): Promise<void> {
    await this.client.sendRawTransaction({ serializedTransaction: raw as Hex });
  }

  async transactionState(hash: string): Promise<TransactionState> {
    try {
      const receipt = await this.client.getTransactionReceipt({ hash: hash as Hex });
      return { kind: 'mined', success: receipt.status === 'success', block: Number(receipt.blockNumber) };
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
    try {
      await this.client.getTransaction({ hash: hash as Hex });
      return { kind: 'pending' };
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return { kind: 'unknown' };
      throw error;
    }
  }

  async waitForReceipt(hash: string, timeoutMs: number): Promise<TransactionState> {
    try {
      const receipt = await this.client.waitForTransactionReceipt({ hash: hash as Hex, timeout: timeoutMs, pollingInterval: 250 });
      return { kind: 'mined', success: receipt.status === 'success', block: Number(receipt.blockNumber) };
    } catch (error) {
      if (error instanceof WaitForTransactionReceiptTimeoutError) return this.transactionState(hash);
      throw error;
    }
  }
}

/** The key from SETTLEMENT_PUBLISHER_KEY, or read once at start from SETTLEMENT_PUBLISHER_KEY_FILE. */
function publisherKeyOf(inline: string | null, file: string | null): Hex {
  const key = inline ?? readFileSync(file!, 'utf8').trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error('The publisher key (SETTLEMENT_PUBLISHER_KEY_FILE) is not 0x followed by 64 hexadecimal digits');
  return key as Hex;
}
