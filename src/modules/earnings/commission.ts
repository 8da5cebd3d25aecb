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
 * plain numbers: one typed-array entry per (row, tier) paid, summed per key (`sumsByKey`; no
 * map, no object or bigint per credit). Exact while every product (amount × rate) and every
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
  const { referralIds, referrerIds, tiers: stride } = chains;
  const { userIds: earners, amounts, bucketRanks: earnerRanks } = credits;
  const pay = (start: number, end: number): void => {
    // Counters as locals, written back once a chunk (cheaper than the closure's context).
    let p = paid;
    let v = via;
    for (let i = start; i < end; i++) {
      const base = i * stride;
      const userId = earners[i]!;
      const amount = amounts[i]!;
      let ownListed = false;
      for (let tier = 0; tier < tiers; tier++) {
        const referralId = referralIds[base + tier]!;
        if (referralId === 0) break;
        // Truncated to micro-points, exactly: below 2^53 the quotient's fraction stays at least
        // 1e-6 from the next integer, more than half its ulp, so its floor is the exact one (the
        // check guards that reasoning). Cheaper than a floating-point `%`.
        const product = amount * rate[tier]!;
        let commission = Math.floor(product / 1_000_000);
        if (commission * 1_000_000 > product) commission -= 1;
        if (commission <= 0) continue;
        bucketKeys[p] = referrerIds[base + tier]! * bucketCount + earnerRanks[i]!;
        bucketAmounts[p++] = commission;
        referralKeys[v] = referralId;
        referralAmounts[v] = commission;
        referees[v++] = tier === 0 ? userId : referrerIds[base + tier - 1]!;
        if (tier === 0) ownListed = true;
      }
      // Every earner's own referral is listed, with 0 when its commission truncated to nothing.
      if (!ownListed && referralIds[base] !== 0) {
        referralKeys[v] = referralIds[base]!;
        referralAmounts[v] = 0;
        referees[v++] = userId;
      }
    }
    paid = p;
    via = v;
  };
  await forChunks(rows, pay, slicer);

  // Entries summed per key, in key order: each key becomes a row.
  const byBucket = await sumsByKey(bucketKeys, bucketAmounts, paid, slicer);
  const userIds = new Float64Array(byBucket.length);
  const bucketRanks = new Uint32Array(byBucket.length);
  await forChunks(
    byBucket.length,
    (start, end) => {
      for (let j = start; j < end; j++) {
        const key = byBucket.keys[j]!;
        const rank = key % bucketCount;
        userIds[j] = (key - rank) / bucketCount;
        bucketRanks[j] = rank;
      }
    },
    slicer,
  );
  const byReferral = await sumsByKey(referralKeys, referralAmounts, via, slicer);
  const refereeIds = new Float64Array(byReferral.length);
  await forChunks(
    byReferral.length,
    (start, end) => {
      for (let j = start; j < end; j++) refereeIds[j] = referees[byReferral.firsts[j]!]!;
    },
    slicer,
  );
  return {
    buckets: { length: byBucket.length, userIds, bucketRanks, amounts: byBucket.sums, buckets: credits.buckets },
    referralPoints: { length: byReferral.length, referralIds: byReferral.keys, refereeIds, amounts: byReferral.sums },
  };
}

/** Entries summed per key: keys ascending, each one's sum and the index of its first entry. */
export interface KeySums {
  readonly length: number;
  readonly keys: Float64Array;
  readonly sums: Float64Array;
  readonly firsts: Uint32Array;
}

/**
 * `values[0 … count)` summed per key (`keys`: non-negative integers), in key order. Keys within a
 * few times the entries' number (serial ids: the common case) are summed straight into a table
 * indexed by key, then read in order (two linear passes); sparser ones are ordered first
 * (`orderInSlices`, by radix) and summed run by run.
 */
export async function sumsByKey(keys: Float64Array, values: Float64Array, count: number, slicer = new LoopSlicer()): Promise<KeySums> {
  let largest = 0;
  await forChunks(
    count,
    (start, end) => {
      for (let i = start; i < end; i++) if (keys[i]! > largest) largest = keys[i]!;
    },
    slicer,
  );
  const out = { length: 0, keys: new Float64Array(count), sums: new Float64Array(count), firsts: new Uint32Array(count) };
  if (largest < DENSE_KEYS_PER_ENTRY * count + DENSE_KEYS_MIN) {
    const sums = new Float64Array(largest + 1);
    // Index of the key's first entry + 1 (0: no entry): a key with entries summing to 0 still counts.
    const firsts = new Uint32Array(largest + 1);
    await forChunks(
      count,
      (start, end) => {
        for (let i = start; i < end; i++) {
          const key = keys[i]!;
          sums[key] += values[i]!;
          if (firsts[key] === 0) firsts[key] = i + 1;
        }
      },
      slicer,
    );
    let n = 0;
    await forChunks(
      largest + 1,
      (start, end) => {
        for (let key = start; key < end; key++) {
          if (firsts[key] === 0) continue;
          out.keys[n] = key;
          out.sums[n] = sums[key]!;
          out.firsts[n++] = firsts[key]! - 1;
        }
      },
      slicer,
    );
    out.length = n;
  } else {
    const order = await orderInSlices(keys, count, slicer);
    // k: the next entry (in key order) to read; each run of one key becomes a row.
    let k = 0;
    let n = 0;
    await forChunks(
      count,
      (_, end) => {
        while (k < end) {
          const first = order[k]!;
          const key = keys[first]!;
          let sum = 0;
          for (; k < count && keys[order[k]!] === key; k++) sum += values[order[k]!]!;
          out.keys[n] = key;
          out.sums[n] = sum;
          out.firsts[n++] = first;
        }
      },
      slicer,
    );
    out.length = n;
  }
  return { length: out.length, keys: out.keys.subarray(0, out.length), sums: out.sums.subarray(0, out.length), firsts: out.firsts.subarray(0, out.length) };
}

/** How sparse keys `sumsByKey` still sums in a table indexed by key (12 bytes a slot, passed over once). */
const DENSE_KEYS_PER_ENTRY = 4;
const DENSE_KEYS_MIN = 65_536;

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
