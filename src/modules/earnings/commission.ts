import { LoopSlicer, sortInSlices } from '../../common/event-loop';
import { MICRO_PER_POINT, MicroPoints } from '../../common/points';
import type { BucketCredit } from './ledger.repository';
import type { ReferralLink } from './referral-chains';

/** Commission that flowed through one direct referral (added to that referral's `points`). */
export interface ReferralPoints {
  readonly referralId: number;
  /** The referral's referee (the user whose range of a sharded flush writes the row). */
  readonly refereeId: number;
  readonly amount: MicroPoints;
}

export interface Commission {
  /** Referral bucket credits, one per (ancestor, bucket), in key order. */
  readonly buckets: BucketCredit[];
  /**
   * Per direct referral the commission flowed through, by referral id; every earner's own
   * referral is listed, with 0 when its commission truncated to nothing, so the ledger locks all
   * the referral rows a batch may touch in one ordered pass.
   */
  readonly referralPoints: ReferralPoints[];
}

/**
 * Tiered commission on Network credits: the ancestor at tier t of each earner gets
 * rates[t] × amount, truncated to micro-points (so never more than the rate), per credit. Each
 * tier's amount also counts in the `points` of the referral it flowed through (the ancestor's
 * referral of the next user down the chain). Only positive sums are kept in buckets and totals.
 * `rates` are in
 * micro-points per point (0.2 → 200,000). Works in slices of the event loop (`LoopSlicer`).
 */
export async function computeCommission(
  credits: readonly BucketCredit[],
  chains: ReadonlyMap<number, readonly ReferralLink[]>,
  rates: readonly MicroPoints[],
): Promise<Commission> {
  // Plain numbers are exact while every product (amount × rate) and every sum stays below 2^53;
  // the batch's whole amount bounds every sum of commission (the rates add up to at most 1).
  // Summed as numbers (no bigint allocated per credit): exact while each amount and the running
  // total stay safe integers, which the loop checks.
  let total = 0;
  let largest = 0;
  const slicer = new LoopSlicer();
  for (const credit of credits) {
    if (slicer.due()) await slicer.yield();
    if (credit.amount > SAFE) return commissionInBigints(credits, chains, rates);
    const amount = Number(credit.amount);
    total += amount;
    if (total > Number.MAX_SAFE_INTEGER) return commissionInBigints(credits, chains, rates);
    if (amount > largest) largest = amount;
  }
  const maxRate = rates.reduce((max, rate) => (rate > max ? rate : max), 0n);
  return BigInt(largest) * maxRate <= SAFE
    ? commissionInNumbers(credits, chains, rates.map(Number))
    : commissionInBigints(credits, chains, rates);
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The common case, without bigint arithmetic in the loop. */
async function commissionInNumbers(
  credits: readonly BucketCredit[],
  chains: ReadonlyMap<number, readonly ReferralLink[]>,
  rates: readonly number[],
): Promise<Commission> {
  // bucket (ms) → ancestor → amount; a flush has one or two buckets.
  const buckets = new Map<number, { bucket: Date; epoch: number; amounts: Map<number, number> }>();
  const viaReferral = new Map<number, { refereeId: number; amount: number }>();
  const slicer = new LoopSlicer();
  for (const credit of credits) {
    if (slicer.due()) await slicer.yield();
    const chain = chains.get(credit.userId);
    if (chain === undefined || chain.length === 0) continue;
    const own = chain[0]!;
    if (!viaReferral.has(own.referralId)) viaReferral.set(own.referralId, { refereeId: credit.userId, amount: 0 });
    const amount = Number(credit.amount);
    const bucketMs = credit.bucket.getTime();
    let bucket = buckets.get(bucketMs);
    if (bucket === undefined) buckets.set(bucketMs, (bucket = { bucket: credit.bucket, epoch: credit.epoch, amounts: new Map() }));
    for (let tier = 0; tier < chain.length && tier < rates.length; tier++) {
      // Truncated to micro-points: exact integer division (the product is below 2^53).
      const product = amount * rates[tier]!;
      const commission = (product - (product % 1_000_000)) / 1_000_000;
      if (commission <= 0) continue;
      const link = chain[tier]!;
      bucket.amounts.set(link.referrerId, (bucket.amounts.get(link.referrerId) ?? 0) + commission);
      const via = viaReferral.get(link.referralId);
      if (via === undefined) viaReferral.set(link.referralId, { refereeId: tier === 0 ? credit.userId : chain[tier - 1]!.referrerId, amount: commission });
      else via.amount += commission;
    }
  }
  const rows: BucketCredit[] = [];
  for (const { bucket, epoch, amounts } of buckets.values()) {
    for (const [userId, amount] of amounts) {
      if (slicer.due()) await slicer.yield();
      rows.push({ userId, bucket, epoch, amount: BigInt(amount) });
    }
  }
  const points: ReferralPoints[] = [];
  for (const [referralId, via] of viaReferral) {
    if (slicer.due()) await slicer.yield();
    points.push({ referralId, refereeId: via.refereeId, amount: BigInt(via.amount) });
  }
  return {
    buckets: await sortInSlices(rows, (a, b) => a.userId - b.userId || a.bucket.getTime() - b.bucket.getTime(), slicer),
    referralPoints: await sortInSlices(points, (a, b) => a.referralId - b.referralId, slicer),
  };
}

/** Any amounts, in bigint arithmetic. */
function commissionInBigints(
  credits: readonly BucketCredit[],
  chains: ReadonlyMap<number, readonly ReferralLink[]>,
  rates: readonly MicroPoints[],
): Commission {
  const buckets = new Map<string, { userId: number; bucket: Date; epoch: number; amount: MicroPoints }>();
  const viaReferral = new Map<number, { refereeId: number; amount: MicroPoints }>();
  for (const credit of credits) {
    const chain = chains.get(credit.userId) ?? [];
    const own = chain[0];
    if (own !== undefined && !viaReferral.has(own.referralId)) viaReferral.set(own.referralId, { refereeId: credit.userId, amount: 0n });
    // The earner's chain: tier 1 is the earner's own referral (their referrer), and so on up.
    for (let tier = 0; tier < chain.length && tier < rates.length; tier++) {
      const amount = (credit.amount * rates[tier]!) / MICRO_PER_POINT;
      if (amount <= 0n) continue;
      const link = chain[tier]!;
      const key = `${link.referrerId}:${credit.bucket.getTime()}`;
      const row = buckets.get(key);
      if (row === undefined) buckets.set(key, { userId: link.referrerId, bucket: credit.bucket, epoch: credit.epoch, amount });
      else row.amount += amount;
      const via = viaReferral.get(link.referralId);
      if (via === undefined) viaReferral.set(link.referralId, { refereeId: tier === 0 ? credit.userId : chain[tier - 1]!.referrerId, amount });
      else via.amount += amount;
    }
  }
  return {
    buckets: [...buckets.values()].sort((a, b) => a.userId - b.userId || a.bucket.getTime() - b.bucket.getTime()),
    referralPoints: [...viaReferral]
      .map(([referralId, via]) => ({ referralId, refereeId: via.refereeId, amount: via.amount }))
      .sort((a, b) => a.referralId - b.referralId),
  };
}
