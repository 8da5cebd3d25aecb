import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { allocate } from './allocation';
import { buildSettlementTree, LEAF_ENCODING } from './settlement-tree';

const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
const C = '0x3333333333333333333333333333333333333333';

describe('allocate (relink semantics)', () => {
  it('gives a linked wallet the whole cumulative amount', () => {
    const { allocations } = allocate([{ userId: 1, wallet: A, cumulative: 100n }], [], new Map());
    expect(allocations).toEqual([{ account: A, userId: 1, amount: 100n }]);
  });

  it('freezes the old address at its last amount and gives the new one the rest', () => {
    const previous = [{ account: A, userId: 1, amount: 100n }];
    const { allocations } = allocate([{ userId: 1, wallet: B, cumulative: 250n }], previous, new Map([[A.toLowerCase(), 1]]));
    expect(allocations).toEqual([
      { account: A, userId: 1, amount: 100n },
      { account: B, userId: 1, amount: 150n },
    ]);
    // Relinking back to A: B freezes at 150, A grows from 100 to the rest.
    const back = allocate([{ userId: 1, wallet: A, cumulative: 300n }], allocations, new Map());
    expect(back.allocations).toEqual([
      { account: B, userId: 1, amount: 150n },
      { account: A, userId: 1, amount: 150n },
    ]);
  });

  it('keeps the leaves of a user with no wallet now, and never lowers an amount', () => {
    const previous = [{ account: A, userId: 1, amount: 100n }];
    expect(allocate([{ userId: 1, wallet: null, cumulative: 500n }], previous, new Map()).allocations).toEqual(previous);
    expect(allocate([], previous, new Map()).allocations).toEqual(previous);
    expect(allocate([{ userId: 1, wallet: A, cumulative: 90n }], previous, new Map()).allocations).toEqual(previous);
  });

  it('leaves out an address that carries another user’s earnings', () => {
    const result = allocate([{ userId: 2, wallet: C, cumulative: 10n }], [], new Map([[C.toLowerCase(), 1]]));
    expect(result.allocations).toEqual([]);
    expect(result.refused).toEqual([{ userId: 2, account: C }]);
  });

  it('skips a wallet with nothing earned yet', () => {
    expect(allocate([{ userId: 1, wallet: A, cumulative: 0n }], [], new Map()).allocations).toEqual([]);
  });
});

describe('buildSettlementTree', () => {
  it('gives proofs that OpenZeppelin’s own verification accepts, and the same root for the same leaves in any order', () => {
    const allocations = [
      { account: C, userId: 3, amount: 2n ** 255n },
      { account: A, userId: 1, amount: 1n },
      { account: B, userId: 2, amount: 10n ** 24n },
    ];
    const tree = buildSettlementTree(allocations)!;
    expect(buildSettlementTree([...allocations].reverse())!.root).toBe(tree.root);
    for (const leaf of tree.leaves) {
      expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [leaf.account, leaf.amount.toString()], leaf.proof)).toBe(true);
      // Another amount, or another account's proof, does not verify.
      expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [leaf.account, (leaf.amount + 1n).toString()], leaf.proof)).toBe(false);
    }
    expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [A, '1'], tree.leaves[1]!.proof)).toBe(false);
    // Anyone can rebuild the root from the published leaves with the library alone.
    expect(StandardMerkleTree.of(tree.leaves.map((leaf) => [leaf.account, leaf.amount.toString()]), [...LEAF_ENCODING]).root).toBe(tree.root);
  });

  it('has a single leaf’s root equal to its hash (empty proof), and nothing for no leaves', () => {
    const tree = buildSettlementTree([{ account: A, userId: 1, amount: 5n }])!;
    expect(tree.leaves[0]!.proof).toEqual([]);
    expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], [A, '5'], [])).toBe(true);
    expect(buildSettlementTree([])).toBeNull();
  });
});
