import { Address, Chain, Hex, PublicClient, WalletClient } from 'viem';
import {
  cumulativeMerkleDistributorAbi,
  cumulativeMerkleDistributorBytecode,
  testRewardTokenAbi,
  testRewardTokenBytecode,
  testSmartWalletAbi,
  testSmartWalletBytecode,
} from './contracts.generated';

/**
 * Deployment of the payout contracts, for tests and local chains (scripts/local-chain.mjs); a real
 * deployment is an operator's job (see README, "Payouts on a chain").
 */
export interface Deployer {
  readonly wallet: WalletClient;
  readonly chain: Chain;
  readonly reader: PublicClient;
}

async function deployed(deployer: Deployer, hash: Hex): Promise<Address> {
  const receipt = await deployer.reader.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || receipt.contractAddress == null) throw new Error(`deployment ${hash} failed`);
  return receipt.contractAddress;
}

/** A TestRewardToken (anyone may mint): only for tests and local chains. */
export async function deployTestRewardToken(deployer: Deployer): Promise<Address> {
  const account = deployer.wallet.account!;
  const hash = await deployer.wallet.deployContract({ abi: testRewardTokenAbi, bytecode: testRewardTokenBytecode, account, chain: deployer.chain });
  return deployed(deployer, hash);
}

/** A CumulativeMerkleDistributor paying `token`, owned by `owner` (the publisher's address). */
export async function deployDistributor(deployer: Deployer, token: Address, owner: Address): Promise<Address> {
  const account = deployer.wallet.account!;
  const hash = await deployer.wallet.deployContract({
    abi: cumulativeMerkleDistributorAbi,
    bytecode: cumulativeMerkleDistributorBytecode,
    args: [token, owner],
    account,
    chain: deployer.chain,
  });
  return deployed(deployer, hash);
}

/** A TestSmartWallet (EIP-1271, valid signatures are `owner`'s): only for tests. */
export async function deployTestSmartWallet(deployer: Deployer, owner: Address): Promise<Address> {
  const account = deployer.wallet.account!;
  const hash = await deployer.wallet.deployContract({ abi: testSmartWalletAbi, bytecode: testSmartWalletBytecode, args: [owner], account, chain: deployer.chain });
  return deployed(deployer, hash);
}
