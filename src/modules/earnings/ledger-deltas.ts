import { LoopSlicer } from '../../common/event-loop';
import { MicroPoints } from '../../common/points';
import type { BalanceDelta, BucketCredit } from './ledger.repository';

/** A credit to a user's Bonus total (an individual bonus row). */
export interface BonusDelta {
  readonly userId: number;
  readonly amount: MicroPoints;
}

/**
 * What a batch adds to each user's totals, in user order (the order balances are locked in). The
 * Network and Referral credits come in user order already, so they are merged in one pass, without
 * a map of every user or a sort; the few bonuses are folded in afterwards. A bigint is added only
 * for a user with several credits of a source (two buckets); otherwise the credit's own is reused.
 */
export async function balanceDeltas(
  network: readonly BucketCredit[],
  referral: readonly BucketCredit[],
  bonuses: readonly BonusDelta[],
  slicer = new LoopSlicer(),
): Promise<BalanceDelta[]> {
  const deltas: Array<{ userId: number; network: MicroPoints; referral: MicroPoints; bonus: MicroPoints }> = [];
  let i = 0;
  let j = 0;
  while (i < network.length || j < referral.length) {
    if (slicer.due()) await slicer.yield();
    const userId = Math.min(network[i]?.userId ?? Infinity, referral[j]?.userId ?? Infinity);
    let fromNetwork = 0n;
    if (network[i]?.userId === userId) fromNetwork = network[i++]!.amount;
    while (network[i]?.userId === userId) fromNetwork += network[i++]!.amount;
    let fromReferral = 0n;
    if (referral[j]?.userId === userId) fromReferral = referral[j++]!.amount;
    while (referral[j]?.userId === userId) fromReferral += referral[j++]!.amount;
    deltas.push({ userId, network: fromNetwork, referral: fromReferral, bonus: 0n });
  }
  if (bonuses.length === 0) return deltas;

  const bonusOf = new Map<number, MicroPoints>();
  for (const bonus of bonuses) bonusOf.set(bonus.userId, (bonusOf.get(bonus.userId) ?? 0n) + bonus.amount);
  for (const delta of deltas) {
    if (slicer.due()) await slicer.yield();
    const bonus = bonusOf.get(delta.userId);
    if (bonus === undefined) continue;
    delta.bonus = bonus;
    bonusOf.delete(delta.userId);
  }
  if (bonusOf.size === 0) return deltas;
  // Users credited only a bonus: a handful, merged in at their place.
  const extra = [...bonusOf].map(([userId, bonus]) => ({ userId, network: 0n, referral: 0n, bonus })).sort((a, b) => a.userId - b.userId);
  const merged: BalanceDelta[] = [];
  let k = 0;
  for (const delta of deltas) {
    if (slicer.due()) await slicer.yield();
    while (k < extra.length && extra[k]!.userId < delta.userId) merged.push(extra[k++]!);
    merged.push(delta);
  }
  while (k < extra.length) merged.push(extra[k++]!);
  return merged;
}
