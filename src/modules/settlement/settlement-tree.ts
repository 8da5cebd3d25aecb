import { StandardMerkleTree } from '@openzeppelin/merkle-tree';

/** OpenZeppelin StandardMerkleTree leaf encoding: what the contract hashes in `claim`. */
export const LEAF_ENCODING = ['address', 'uint256'] as const;

export interface Allocation {
  /** Checksummed address. */
  readonly account: string;
  readonly userId: number;
  /** Cumulative token units. */
  readonly amount: bigint;
}

export interface SettledTree {
  readonly root: string;
  readonly leaves: ReadonlyArray<Allocation & { readonly proof: string[] }>;
}

/**
 * Builds the epoch's tree with the library's defaults (leaves sorted by hash), so the same
 * allocations give the same root in any order, and anyone can rebuild it from the published
 * leaves with `StandardMerkleTree.of(leaves, ['address', 'uint256'])`.
 */
export function buildSettlementTree(allocations: readonly Allocation[]): SettledTree | null {
  if (allocations.length === 0) return null;
  const sorted = [...allocations].sort((a, b) => (a.account.toLowerCase() < b.account.toLowerCase() ? -1 : 1));
  const tree = StandardMerkleTree.of(
    sorted.map((allocation) => [allocation.account, allocation.amount.toString()]),
    [...LEAF_ENCODING],
  );
  const proofs = new Map<number, string[]>();
  for (const [index] of tree.entries()) proofs.set(index, tree.getProof(index));
  return {
    root: tree.root,
    leaves: sorted.map((allocation, index) => ({ ...allocation, proof: proofs.get(index)! })),
  };
}
