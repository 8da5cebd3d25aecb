import { forChunks, LoopSlicer, orderInSlices } from '../../common/event-loop';
import { MICRO_PER_POINT, MicroPoints } from '../../common/points';
import type { BucketCredit } from './ledger.repository';
import { chainColumnsOf, ChainColumns, ReferralLink } from './referral-chains';
import { columnsOfRows, CreditColumns } from './credit-columns';
import { bucketColumnsOf, BucketColumns, ReferralPointColumns } from './ledger-columns';

export interface Commission {
  /** Referral bucket credits, one per (ancestor, bucket), in key order. */
  readonly buckets: BucketColumns;
  /**
   * Per direct referral the commission flowed through, by referral id; every earner's own
   * referral is listed, with 0 when its commission truncated to nothing, so the ledger locks all
   * the referral rows a batch may touch in one ordered pass.
   */
  readonly referralPoints: ReferralPointColumns;
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
  const columns = columnsOfRows(credits);
  const commission =
    columns === null ? null : await commissionOfColumns(columns, chainColumnsOf(columns.userIds, columns.length, chains, rates.length), rates);
  return commission ?? commissionInBigints(credits, chains, rates);
}

/**
 * `computeCommission` on a batch's columns (`CreditColumns`, `ChainColumns` of the same rows), in
 * plain numbers: one typed-array entry per (row, tier) paid, sorted by key and summed run by run
 * (no map, no object or bigint per credit). Exact while every product (amount × rate) and every
 * sum stays below 2^53; null when the columns cannot promise that (bigint arithmetic then).
 */
export async function commissionOfColumns(
  credits: CreditColumns,
  chains: ChainColumns,
  rates: readonly MicroPoints[],
  slicer = new LoopSlicer(),
): Promise<Commission | null> {
  const tiers = Math.min(chains.tiers, rates.length);
  if (tiers === 0 || credits.length === 0) return noCommission(credits.buckets);
  const rate = rates.slice(0, tiers).map(Number);
  // A product of two safe integers is exact when the (correctly rounded) result is at most 2^53 − 1;
  // every sum of commission is at most total × the rates' sum (with room for rounding in the check).
  const maxRate = Math.max(...rate);
  const rateSum = rate.reduce((sum, each) => sum + each, 0) / 1_000_000;
  if (credits.largest * maxRate > Number.MAX_SAFE_INTEGER || credits.total * Math.max(1, rateSum) > Number.MAX_SAFE_INTEGER / 2) return null;

  const rows = credits.length;
  const bucketCount = credits.buckets.length;
  // Per tier paid: the ancestor's (user, bucket) key, and the referral it flowed through.
  const bucketKeys = new Float64Array(rows * tiers);
  const bucketAmounts = new Float64Array(rows * tiers);
  const referralKeys = new Float64Array(rows * tiers);
  const referralAmounts = new Float64Array(rows * tiers);
  const referees = new Float64Array(rows * tiers);
  let paid = 0;
  let via = 0;
  const pay = (start: number, end: number): void => {
    for (let i = start; i < end; i++) {
      const base = i * chains.tiers;
      const userId = credits.userIds[i]!;
      const amount = credits.amounts[i]!;
      let ownListed = false;
      for (let tier = 0; tier < tiers; tier++) {
        const referralId = chains.referralIds[base + tier]!;
        if (referralId === 0) break;
        // Truncated to micro-points: exact integer division (the product is below 2^53).
        const product = amount * rate[tier]!;
        const commission = (product - (product % 1_000_000)) / 1_000_000;
        if (commission <= 0) continue;
        bucketKeys[paid] = chains.referrerIds[base + tier]! * bucketCount + credits.bucketRanks[i]!;
        bucketAmounts[paid++] = commission;
        referralKeys[via] = referralId;
        referralAmounts[via] = commission;
        referees[via++] = tier === 0 ? userId : chains.referrerIds[base + tier - 1]!;
        if (tier === 0) ownListed = true;
      }
      // Every earner's own referral is listed, with 0 when its commission truncated to nothing.
      if (!ownListed && chains.referralIds[base] !== 0) {
        referralKeys[via] = chains.referralIds[base]!;
        referralAmounts[via] = 0;
        referees[via++] = userId;
      }
    }
  };
  await forChunks(rows, pay, slicer);

  // Entries in key order; each run of one key becomes a row (k: the next entry to read).
  const buckets = { userIds: new Float64Array(paid), bucketRanks: new Uint32Array(paid), amounts: new Float64Array(paid) };
  let bucketRows = 0;
  const byBucket = await orderInSlices(bucketKeys, paid, slicer);
  let k = 0;
  const sumBuckets = (end: number): void => {
    while (k < end) {
      const key = bucketKeys[byBucket[k]!]!;
      let amount = 0;
      for (; k < paid && bucketKeys[byBucket[k]!] === key; k++) amount += bucketAmounts[byBucket[k]!]!;
      const rank = key % bucketCount;
      buckets.userIds[bucketRows] = (key - rank) / bucketCount;
      buckets.bucketRanks[bucketRows] = rank;
      buckets.amounts[bucketRows++] = amount;
    }
  };
  await forChunks(paid, (_, end) => sumBuckets(end), slicer);
  const points = { referralIds: new Float64Array(via), refereeIds: new Float64Array(via), amounts: new Float64Array(via) };
  let pointRows = 0;
  const byReferral = await orderInSlices(referralKeys, via, slicer);
  k = 0;
  const sumReferrals = (end: number): void => {
    while (k < end) {
      const first = byReferral[k]!;
      const referralId = referralKeys[first]!;
      let amount = 0;
      for (; k < via && referralKeys[byReferral[k]!] === referralId; k++) amount += referralAmounts[byReferral[k]!]!;
      points.referralIds[pointRows] = referralId;
      points.refereeIds[pointRows] = referees[first]!;
      points.amounts[pointRows++] = amount;
    }
  };
  await forChunks(via, (_, end) => sumReferrals(end), slicer);
  return {
    buckets: {
      length: bucketRows,
      userIds: buckets.userIds.subarray(0, bucketRows),
      bucketRanks: buckets.bucketRanks.subarray(0, bucketRows),
      amounts: buckets.amounts.subarray(0, bucketRows),
      buckets: credits.buckets,
    },
    referralPoints: {
      length: pointRows,
      referralIds: points.referralIds.subarray(0, pointRows),
      refereeIds: points.refereeIds.subarray(0, pointRows),
      amounts: points.amounts.subarray(0, pointRows),
    },
  };
}

function noCommission(buckets: CreditColumns['buckets']): Commission {
  return {
    buckets: { length: 0, userIds: new Float64Array(0), bucketRanks: new Uint32Array(0), amounts: new Float64Array(0), buckets },
    referralPoints: { length: 0, referralIds: new Float64Array(0), refereeIds: new Float64Array(0), amounts: new Float64Array(0) },
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
  const referralPoints = [...viaReferral].sort((a, b) => a[0] - b[0]);
  return {
    buckets: bucketColumnsOf([...buckets.values()].sort((a, b) => a.userId - b.userId || a.bucket.getTime() - b.bucket.getTime())),
    referralPoints: {
      length: referralPoints.length,
      referralIds: Float64Array.from(referralPoints, ([referralId]) => referralId),
      refereeIds: Float64Array.from(referralPoints, ([, via]) => via.refereeId),
      amounts: referralPoints.map(([, via]) => via.amount),
    },
  };
}
