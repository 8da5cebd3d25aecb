import { CHUNK, LoopSlicer } from '../../common/event-loop';
import { MicroPoints } from '../../common/points';
import { BalanceColumns, BucketColumns, isSafeMicro, MicroColumn, sumRuns } from './ledger-columns';

/** A credit to a user's Bonus total (an individual bonus row). */
export interface BonusDelta {
  readonly userId: number;
  readonly amount: MicroPoints;
}

/**
 * What a batch adds to each user's totals, in user order (the order balances are locked in). The
 * Network and Referral credits come in user order already, so they are merged in one pass, with
 * the few bonuses' users (summed and sorted first), without a map of every user or a sort; each
 * user's amounts are then the sums of their runs of rows, as columns.
 */
export async function balanceDeltas(
  network: BucketColumns,
  referral: BucketColumns,
  bonuses: readonly BonusDelta[],
  slicer = new LoopSlicer(),
): Promise<BalanceColumns> {
  const bonusSums = new Map<number, MicroPoints>();
  for (const bonus of bonuses) bonusSums.set(bonus.userId, (bonusSums.get(bonus.userId) ?? 0n) + bonus.amount);
  const bonusUsers = [...bonusSums.keys()].sort((a, b) => a - b);

  const capacity = network.length + referral.length + bonusUsers.length;
  const userIds = new Float64Array(capacity);
  // Row k's Network credits are network rows networkStarts[k] … networkEnds[k] − 1 (likewise Referral).
  const networkStarts = new Uint32Array(capacity);
  const networkEnds = new Uint32Array(capacity);
  const referralStarts = new Uint32Array(capacity);
  const referralEnds = new Uint32Array(capacity);
  let i = 0;
  let j = 0;
  let b = 0;
  let k = 0;
  const merge = (rows: number): void => {
    for (const end = k + rows; k < end && (i < network.length || j < referral.length || b < bonusUsers.length); k++) {
      const userId = Math.min(
        i < network.length ? network.userIds[i]! : Infinity,
        j < referral.length ? referral.userIds[j]! : Infinity,
        b < bonusUsers.length ? bonusUsers[b]! : Infinity,
      );
      userIds[k] = userId;
      networkStarts[k] = i;
      while (i < network.length && network.userIds[i] === userId) i++;
      networkEnds[k] = i;
      referralStarts[k] = j;
      while (j < referral.length && referral.userIds[j] === userId) j++;
      referralEnds[k] = j;
      if (bonusUsers[b] === userId) b++;
    }
  };
  while (i < network.length || j < referral.length || b < bonusUsers.length) {
    if (slicer.spent()) await slicer.yield();
    merge(CHUNK);
  }
  return {
    length: k,
    userIds: userIds.subarray(0, k),
    network: await sumRuns(network.amounts, networkStarts, networkEnds, k, slicer),
    referral: await sumRuns(referral.amounts, referralStarts, referralEnds, k, slicer),
    bonus: bonusColumn(userIds, k, bonusSums),
  };
}

/** Each row's bonus: plain numbers while every sum is exact as one (always, in practice), else bigints. */
function bonusColumn(userIds: Float64Array, length: number, sums: ReadonlyMap<number, MicroPoints>): MicroColumn {
  const safe = [...sums.values()].every(isSafeMicro);
  if (!safe) return Array.from(userIds.subarray(0, length), (userId) => sums.get(userId) ?? 0n);
  const column = new Float64Array(length);
  if (sums.size === 0) return column;
  for (let k = 0; k < length; k++) {
    const sum = sums.get(userIds[k]!);
    if (sum !== undefined) column[k] = Number(sum);
  }
  return column;
}
