import { Allocation } from './settlement-tree';

export interface UserPosition {
  readonly userId: number;
  /** The wallet linked now (checksummed), or null. */
  readonly wallet: string | null;
  /** Everything the user has earned up to the epoch's end, token units. */
  readonly cumulative: bigint;
}

export interface PreviousLeaf {
  readonly account: string;
  readonly userId: number;
  readonly amount: bigint;
}

export interface AllocationResult {
  readonly allocations: Allocation[];
  /** Linked wallets left out because the address already carries another user's earnings. */
  readonly refused: ReadonlyArray<{ userId: number; account: string }>;
}

/**
 * Splits each user's cumulative amount over their addresses. Claims are per address and the
 * contract remembers what each address was paid, so an address that was in a tree keeps its last
 * amount for ever (frozen: it can still claim it), and the wallet linked now gets the rest:
 * cumulative − Σ frozen. A user who relinks therefore keeps everything they earned, split between
 * the old address (up to the relink's first settlement) and the new one, and nothing is paid
 * twice. An address carries one user's earnings only (`owners`); one that belongs to someone
 * else is left out.
 */
export function allocate(positions: readonly UserPosition[], previous: readonly PreviousLeaf[], owners: ReadonlyMap<string, number>): AllocationResult {
  const previousByUser = new Map<number, PreviousLeaf[]>();
  for (const leaf of previous) previousByUser.set(leaf.userId, [...(previousByUser.get(leaf.userId) ?? []), leaf]);
  const allocations: Allocation[] = [];
  const refused: Array<{ userId: number; account: string }> = [];
  const seen = new Set<number>();

  for (const position of positions) {
    seen.add(position.userId);
    const before = previousByUser.get(position.userId) ?? [];
    let wallet = position.wallet;
    const owner = wallet === null ? undefined : owners.get(wallet.toLowerCase());
    if (wallet !== null && owner !== undefined && owner !== position.userId) {
      refused.push({ userId: position.userId, account: wallet });
      wallet = null;
    }
    const frozen = before.filter((leaf) => leaf.account !== wallet);
    allocations.push(...frozen.map((leaf) => ({ account: leaf.account, userId: leaf.userId, amount: leaf.amount })));
    if (wallet === null) continue;
    const frozenTotal = frozen.reduce((sum, leaf) => sum + leaf.amount, 0n);
    const earlier = before.find((leaf) => leaf.account === wallet)?.amount ?? 0n;
    // Never below what the address already had: amounts in the tree only grow.
    const rest = position.cumulative - frozenTotal;
    const amount = rest > earlier ? rest : earlier;
    if (amount > 0n) allocations.push({ account: wallet, userId: position.userId, amount });
  }
  // Users without a position now (no wallet, no balance row) keep their earlier leaves.
  for (const [userId, leaves] of previousByUser) {
    if (!seen.has(userId)) allocations.push(...leaves.map((leaf) => ({ account: leaf.account, userId, amount: leaf.amount })));
  }
  return { allocations, refused };
}
