import { LoopSlicer, sortInSlices } from '../../common/event-loop';
import { MICRO_PER_POINT, MicroPoints } from '../../common/points';
import type { BucketCredit } from './ledger.repository';
import type { ReferralLink } from './referral-chains';

/**
 * Commission that flowed through one direct referral in one ledger bucket: it is credited to the
 * referral's referrer (a Referral bucket row and their balance) and counted in that referral's
 * `points`. One row per (referral, bucket), so both sums come from the same rows.
 */
export interface CommissionFlow {
  readonly referralId: number;
  /** The referral's referrer: who is paid. */
  readonly beneficiaryId: number;
  readonly bucket: Date;
  readonly epoch: number;
  readonly amount: MicroPoints;
}

/**
 * Tiered commission on Network credits: the ancestor at tier t of each earner gets
 * rates[t] × amount, truncated to micro-points (so never more than the rate), per credit, through
 * the referral of the next user down the chain. Summed per (referral, bucket); only positive sums
 * are kept; in (referral, bucket) order. `rates` are in micro-points per point (0.2 → 200,000).
 * Works in slices of the event loop (`LoopSlicer`).
 */
export async function computeCommission(
  credits: readonly BucketCredit[],
  chains: ReadonlyMap<number, readonly ReferralLink[]>,
  rates: readonly MicroPoints[],
): Promise<CommissionFlow[]> {
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

function byReferralAndBucket(a: CommissionFlow, b: CommissionFlow): number {
  return a.referralId - b.referralId || a.bucket.getTime() - b.bucket.getTime();
}

/** The common case, without bigint arithmetic in the loop. */
async function commissionInNumbers(
  credits: readonly BucketCredit[],
  chains: ReadonlyMap<number, readonly ReferralLink[]>,
  rates: readonly number[],
): Promise<CommissionFlow[]> {
  // bucket (ms) → referral → amount; a flush has one or two buckets.
  const buckets = new Map<number, { bucket: Date; epoch: number; flows: Map<number, { beneficiaryId: number; amount: number }> }>();
  const slicer = new LoopSlicer();
  for (const credit of credits) {
    if (slicer.due()) await slicer.yield();
    const chain = chains.get(credit.userId);
    if (chain === undefined || chain.length === 0) continue;
    const amount = Number(credit.amount);
    const bucketMs = credit.bucket.getTime();
    let bucket = buckets.get(bucketMs);
    if (bucket === undefined) buckets.set(bucketMs, (bucket = { bucket: credit.bucket, epoch: credit.epoch, flows: new Map() }));
    for (let tier = 0; tier < chain.length && tier < rates.length; tier++) {
      // Truncated to micro-points: exact integer division (the product is below 2^53).
      const product = amount * rates[tier]!;
      const commission = (product - (product % 1_000_000)) / 1_000_000;
      if (commission <= 0) continue;
      const link = chain[tier]!;
      const flow = bucket.flows.get(link.referralId);
      if (flow === undefined) bucket.flows.set(link.referralId, { beneficiaryId: link.referrerId, amount: commission });
      else flow.amount += commission;
    }
  }
  const rows: CommissionFlow[] = [];
  for (const { bucket, epoch, flows } of buckets.values()) {
    for (const [referralId, flow] of flows) {
      if (slicer.due()) await slicer.yield();
      rows.push({ referralId, beneficiaryId: flow.beneficiaryId, bucket, epoch, amount: BigInt(flow.amount) });
    }
  }
  return sortInSlices(rows, byReferralAndBucket, slicer);
}

/** Any amounts, in bigint arithmetic. */
function commissionInBigints(
  credits: readonly BucketCredit[],
  chains: ReadonlyMap<number, readonly ReferralLink[]>,
  rates: readonly MicroPoints[],
): CommissionFlow[] {
  const flows = new Map<string, { referralId: number; beneficiaryId: number; bucket: Date; epoch: number; amount: MicroPoints }>();
  for (const credit of credits) {
    const chain = chains.get(credit.userId) ?? [];
    // The earner's chain: tier 1 is the earner's own referral (their referrer), and so on up.
    for (let tier = 0; tier < chain.length && tier < rates.length; tier++) {
      const amount = (credit.amount * rates[tier]!) / MICRO_PER_POINT;
      if (amount <= 0n) continue;
      const link = chain[tier]!;
      const key = `${link.referralId}:${credit.bucket.getTime()}`;
      const flow = flows.get(key);
      if (flow === undefined) {
        flows.set(key, { referralId: link.referralId, beneficiaryId: link.referrerId, bucket: credit.bucket, epoch: credit.epoch, amount });
      } else {
        flow.amount += amount;
      }
    }
  }
  return [...flows.values()].sort(byReferralAndBucket);
}
