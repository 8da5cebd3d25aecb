import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Address, BaseError, ContractFunctionRevertedError, Hex, PublicClient, WalletClient } from 'viem';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cumulativeMerkleDistributorAbi, testRewardTokenAbi } from '../../src/modules/settlement/evm/contracts.generated';
import { deployDistributor, deployTestRewardToken } from '../../src/modules/settlement/evm/deploy';
import { Anvil, ANVIL_KEYS } from '../support/anvil';

type Leaf = [Address, bigint];

/**
 * The payout contract on a real local chain (anvil): the publisher sets roots per epoch, accounts
 * claim with StandardMerkleTree proofs and are paid the difference to what they already have.
 */
describe('CumulativeMerkleDistributor on anvil', () => {
  let anvil: Anvil;
  let reader: PublicClient;
  let publisher: ReturnType<Anvil['wallet']>;
  let alice: ReturnType<Anvil['wallet']>;
  let bob: ReturnType<Anvil['wallet']>;
  let stranger: ReturnType<Anvil['wallet']>;
  let token: Address;
  let distributor: Address;

  beforeAll(async () => {
    anvil = await Anvil.start();
    reader = anvil.publicClient();
    [publisher, alice, bob, stranger] = ANVIL_KEYS.map((key) => anvil.wallet(key)) as [typeof publisher, typeof alice, typeof bob, typeof stranger];
    const deployer = { wallet: publisher.client, chain: anvil.chain, reader };
    token = await deployTestRewardToken(deployer);
    distributor = await deployDistributor(deployer, token, publisher.account.address);
    await send(publisher.client, { address: token, abi: testRewardTokenAbi, functionName: 'mint', args: [distributor, 10n ** 30n] });
  });
  afterAll(() => anvil?.stop());

  async function send(wallet: WalletClient, call: { address: Address; abi: any; functionName: string; args: readonly unknown[] }): Promise<void> {
    const { request } = await reader.simulateContract({ ...call, account: wallet.account! } as any);
    const hash = await wallet.writeContract(request as any);
    const receipt = await reader.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
  }

  /** The custom error a call reverts with (from the simulation, which runs the same code). */
  async function revertOf(wallet: WalletClient, functionName: 'claim' | 'setRoot', args: readonly unknown[]): Promise<string> {
    try {
      await reader.simulateContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName, args, account: wallet.account! } as any);
    } catch (error) {
      const reverted = error instanceof BaseError ? error.walk((inner) => inner instanceof ContractFunctionRevertedError) : null;
      if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? reverted.reason ?? 'reverted';
      throw error;
    }
    throw new Error(`${functionName} did not revert`);
  }

  const balanceOf = (account: Address) => reader.readContract({ address: token, abi: testRewardTokenAbi, functionName: 'balanceOf', args: [account] });

  function treeOf(leaves: Leaf[]) {
    return StandardMerkleTree.of(leaves, ['address', 'uint256']);
  }

  async function publish(epoch: bigint, tree: StandardMerkleTree<Leaf>): Promise<void> {
    await send(publisher.client, { address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'setRoot', args: [epoch, tree.root as Hex] });
  }

  async function claim(by: WalletClient, tree: StandardMerkleTree<Leaf>, leaf: Leaf): Promise<void> {
    const proof = tree.getProof(leaf) as Hex[];
    await send(by, { address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'claim', args: [leaf[0], leaf[1], proof] });
  }

  it('pays the cumulative amount, nothing on a repeated claim, then exactly the difference of the next epoch', async () => {
    const a = alice.account.address;
    const b = bob.account.address;
    const first = treeOf([[a, 1_500n], [b, 10n ** 24n]]);
    await publish(100n, first);
    expect(await reader.readContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'merkleRoot' })).toBe(first.root);
    expect(await reader.readContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'epoch' })).toBe(100n);

    await claim(alice.client, first, [a, 1_500n]);
    expect(await balanceOf(a)).toBe(1_500n);
    // Again with the same proof: succeeds, pays nothing.
    await claim(alice.client, first, [a, 1_500n]);
    expect(await balanceOf(a)).toBe(1_500n);
    // Anyone may submit a claim; the tokens go to the account of the leaf.
    await claim(stranger.client, first, [b, 10n ** 24n]);
    expect(await balanceOf(b)).toBe(10n ** 24n);
    expect(await balanceOf(stranger.account.address)).toBe(0n);

    const second = treeOf([[a, 4_000n], [b, 10n ** 24n]]);
    await publish(101n, second);
    await claim(alice.client, second, [a, 4_000n]);
    expect(await balanceOf(a)).toBe(4_000n);
    expect(await reader.readContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'claimed', args: [a] })).toBe(4_000n);
  });

  it('reverts a claim with a wrong amount, another account’s proof, or against an old root', async () => {
    const a = alice.account.address;
    const b = bob.account.address;
    const old = treeOf([[a, 5_000n], [b, 2n * 10n ** 24n]]);
    await publish(200n, old);
    const current = treeOf([[a, 6_000n], [b, 3n * 10n ** 24n]]);
    await publish(201n, current);
    const before = await balanceOf(a);

    expect(await revertOf(alice.client, 'claim', [a, 6_001n, current.getProof([a, 6_000n])])).toBe('InvalidProof');
    expect(await revertOf(alice.client, 'claim', [a, 3n * 10n ** 24n, current.getProof([b, 3n * 10n ** 24n])])).toBe('InvalidProof');
    expect(await revertOf(alice.client, 'claim', [a, 5_000n, old.getProof([a, 5_000n])])).toBe('InvalidProof');
    expect(await revertOf(alice.client, 'claim', [a, 6_000n, []])).toBe('InvalidProof');
    expect(await balanceOf(a)).toBe(before);
  });

  it('lets only the owner publish, and only for a newer epoch', async () => {
    const tree = treeOf([[alice.account.address, 1n], [bob.account.address, 2n]]);
    expect(await revertOf(stranger.client, 'setRoot', [999n, tree.root])).toBe('OwnableUnauthorizedAccount');
    const current = (await reader.readContract({ address: distributor, abi: cumulativeMerkleDistributorAbi, functionName: 'epoch' })) as bigint;
    expect(await revertOf(publisher.client, 'setRoot', [current, tree.root])).toBe('EpochNotNewer');
    expect(await revertOf(publisher.client, 'setRoot', [current - 1n, tree.root])).toBe('EpochNotNewer');
  });

  it('is compiled from contracts/ by the build: the committed ABI and bytecode are current', () => {
    expect(() => execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'contracts.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
