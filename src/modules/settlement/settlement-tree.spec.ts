import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { randomBytes } from 'node:crypto';
import { Allocation, buildSettlementTree, LEAF_ENCODING, SettledLeaf } from './settlement-tree';

const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
const C = '0x3333333333333333333333333333333333333333';

const leavesOf = (tree: { leafChunks(size: number): Generator<SettledLeaf[]> }, size = 1_000): SettledLeaf[] => [...tree.leafChunks(size)].flat();
const randomAllocations = (n: number): Allocation[] =>
  Array.from({ length: n }, (_, i) => ({
    account: `0x${randomBytes(20).toString('hex')}`,
    userId: i + 1,
    amount: BigInt(`0x${randomBytes(1 + (i % 32)).toString('hex')}`),
  }));

describe('buildSettlementTree', () => {
  it('gives proofs that OpenZeppelin’s own verification accepts, and the same root for the same leaves in any order', async () => {
    const allocations = [
      { account: C, userId: 3, amount: 2n ** 255n },
      { account: A, userId: 1, amount: 1n },
      { account: B, userId: 2, amount: 10n ** 24n },
    ];
    const tree = (await buildSettlementTree(allocations))!;
    expect((await buildSettlementTree([...allocations].reverse()))!.root).toBe(tree.root);
    const leaves = leavesOf(tree);
    expect(leaves.map((leaf) => leaf.account)).toEqual([A, B, C]);
    for (const leaf of leaves) {
      expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [leaf.account, leaf.amount.toString()], leaf.proof)).toBe(true);
      // Another amount, or another account's proof, does not verify.
      expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [leaf.account, (leaf.amount + 1n).toString()], leaf.proof)).toBe(false);
    }
    expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [A, '1'], leaves[1]!.proof)).toBe(false);
    // Anyone can rebuild the root from the published leaves with the library alone.
    expect(StandardMerkleTree.of(leaves.map((leaf) => [leaf.account, leaf.amount.toString()]), [...LEAF_ENCODING]).root).toBe(tree.root);
  });

  it.each([2, 5, 16, 17, 300])('builds the same tree as OpenZeppelin’s StandardMerkleTree.of for %i random leaves, proof for proof', async (n) => {
    const allocations = randomAllocations(n);
    const tree = (await buildSettlementTree(allocations))!;
    const reference = StandardMerkleTree.of(allocations.map((a) => [a.account, a.amount.toString()]), [...LEAF_ENCODING]);
    expect(tree.root).toBe(reference.root);
    const leaves = leavesOf(tree, 7);
    expect(leaves).toHaveLength(n);
    expect(tree.leafCount).toBe(n);
    expect(tree.totalAmount).toBe(allocations.reduce((sum, a) => sum + a.amount, 0n));
    const referenceProofs = new Map<string, string[]>();
    for (const [index, [account]] of reference.entries()) referenceProofs.set(account as string, reference.getProof(index));
    for (const leaf of leaves) expect(leaf.proof).toEqual(referenceProofs.get(leaf.account));
  });

  it('has a single leaf’s root equal to its hash (empty proof), and nothing for no leaves', async () => {
    const tree = (await buildSettlementTree([{ account: A, userId: 1, amount: 5n }]))!;
    expect(leavesOf(tree)[0]!.proof).toEqual([]);
    expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [A, '5'], [])).toBe(true);
    expect(await buildSettlementTree([])).toBeNull();
  });

  it('refuses what the contract could not encode: a malformed address, a negative amount or one past uint256', async () => {
    await expect(buildSettlementTree([{ account: '0x12', userId: 1, amount: 1n }])).rejects.toThrow(/Not an address/);
    await expect(buildSettlementTree([{ account: A, userId: 1, amount: -1n }])).rejects.toThrow(/Not a uint256/);
    await expect(buildSettlementTree([{ account: A, userId: 1, amount: 1n << 256n }])).rejects.toThrow(/Not a uint256/);
  });
});
