import { forChunks, LoopSlicer } from '../../common/event-loop';
import { MicroPoints } from '../../common/points';
import type { BatchBucket } from './credit-columns';
import type { NodeColumns } from './ledger-batch';
import type { BucketCredit } from './ledger.repository';

/**
 * The rows a ledger write carries from the plan to the statements' array literals, as columns
 * (typed arrays and a length): a flush of 100,000 users would otherwise allocate some 450,000 row
 * objects and 350,000 bigints that live until its transaction ends, and young-generation
 * scavenges copy all of them. A shard of a plan is a `subarray` of each column.
 *
 * Amounts are integer micro-points: plain numbers (a `Float64Array`, exact: the batches planned in
 * columns keep every sum below 2^53) or, on the path of batches beyond that and of rows built from
 * objects, bigints.
 */
export type MicroColumn = Float64Array | readonly MicroPoints[];

/** Credits of (user, ledger bucket) rows, one per key, in key order (user, then bucket). */
export interface BucketColumns {
  readonly length: number;
  readonly userIds: Float64Array;
  /** Index into `buckets`, which are in time order. */
  readonly bucketRanks: Uint32Array;
  readonly amounts: MicroColumn;
  readonly buckets: readonly BatchBucket[];
}

/** An amount per user (what a batch adds to a referee's lifetime Network points), in user order. */
export interface UserAmounts {
  readonly length: number;
  readonly userIds: Float64Array;
  readonly amounts: MicroColumn;
}

/**
 * Commission that flowed through each direct referral (added to that referral's `points`), by
 * referral id, with the referral's referee (the user whose range of a sharded flush writes the row).
 */
export interface ReferralPointColumns {
  readonly length: number;
  readonly referralIds: Float64Array;
  readonly refereeIds: Float64Array;
  readonly amounts: MicroColumn;
}

/** What a batch adds to each user's totals, in user order (the order balances are locked in). */
export interface BalanceColumns {
  readonly length: number;
  readonly userIds: Float64Array;
  readonly network: MicroColumn;
  readonly referral: MicroColumn;
  readonly bonus: MicroColumn;
}

/** True when `micro` is exact as a plain number (what a `Float64Array` column may hold). */
export function isSafeMicro(micro: MicroPoints): boolean {
  return micro <= MAX_SAFE && micro >= -MAX_SAFE;
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One amount as an int8 array element: a plain number when exact (formatted without quoting), else text. */
export function int8At(amounts: MicroColumn, i: number): number | string {
  if (amounts instanceof Float64Array) return amounts[i]!;
  const micro = amounts[i]!;
  return isSafeMicro(micro) ? Number(micro) : micro.toString();
}

/** One amount as a bigint (for the few places, and the tests, that need one). */
export function microAt(amounts: MicroColumn, i: number): MicroPoints {
  return amounts instanceof Float64Array ? BigInt(amounts[i]!) : amounts[i]!;
}

/** Rows from … to − 1 of a column: a view for typed arrays, a copy of the (rare) bigint ones. */
export function sliceAmounts(amounts: MicroColumn, from: number, to: number): MicroColumn {
  return amounts instanceof Float64Array ? amounts.subarray(from, to) : amounts.slice(from, to);
}

export function sliceBuckets(rows: BucketColumns, from: number, to: number): BucketColumns {
  return {
    length: to - from,
    userIds: rows.userIds.subarray(from, to),
    bucketRanks: rows.bucketRanks.subarray(from, to),
    amounts: sliceAmounts(rows.amounts, from, to),
    buckets: rows.buckets,
  };
}

export function sliceUserAmounts(rows: UserAmounts, from: number, to: number): UserAmounts {
  return { length: to - from, userIds: rows.userIds.subarray(from, to), amounts: sliceAmounts(rows.amounts, from, to) };
}

export function sliceBalances(rows: BalanceColumns, from: number, to: number): BalanceColumns {
  return {
    length: to - from,
    userIds: rows.userIds.subarray(from, to),
    network: sliceAmounts(rows.network, from, to),
    referral: sliceAmounts(rows.referral, from, to),
    bonus: sliceAmounts(rows.bonus, from, to),
  };
}

export function sliceNodes(nodes: NodeColumns, from: number, to: number): NodeColumns {
  return {
    length: to - from,
    nodeIds: nodes.nodeIds.subarray(from, to),
    seconds: nodes.seconds.subarray(from, to),
    points: sliceAmounts(nodes.points, from, to),
    scores: nodes.scores.subarray(from, to),
    lastSeenMs: nodes.lastSeenMs.subarray(from, to),
  };
}

/** Rows `picked[0 … count)` of referral points, in that order (a shard's share), in slices of the event loop. */
export async function pickReferralPoints(rows: ReferralPointColumns, picked: Uint32Array, count: number, slicer = new LoopSlicer()): Promise<ReferralPointColumns> {
  const referralIds = new Float64Array(count);
  const refereeIds = new Float64Array(count);
  const source = rows.amounts;
  // Plain-number amounts are picked with the ids; the (rare) bigint ones after, one by one.
  const numbers = source instanceof Float64Array ? new Float64Array(count) : null;
  await forChunks(
    count,
    (start, end) => {
      pickInto(rows.referralIds, picked, referralIds, start, end);
      pickInto(rows.refereeIds, picked, refereeIds, start, end);
      if (numbers !== null) pickInto(source as Float64Array, picked, numbers, start, end);
    },
    slicer,
  );
  const amounts: MicroColumn = numbers ?? Array.from(picked.subarray(0, count), (i) => (source as readonly MicroPoints[])[i]!);
  return { length: count, referralIds, refereeIds, amounts };
}

/** into[k] = from[picked[k]] for k in start … end − 1. */
function pickInto(from: Float64Array, picked: Uint32Array, into: Float64Array, start: number, end: number): void {
  for (let k = start; k < end; k++) into[k] = from[picked[k]!]!;
}

/**
 * Per k, the sum of `amounts[starts[k] … ends[k])` (0 for an empty run): plain numbers from a
 * `Float64Array` (exact: its batch's sums are safe integers), bigints otherwise.
 */
export async function sumRuns(amounts: MicroColumn, starts: Uint32Array, ends: Uint32Array, count: number, slicer = new LoopSlicer()): Promise<MicroColumn> {
  if (amounts instanceof Float64Array) {
    const sums = new Float64Array(count);
    await forChunks(
      count,
      (from, to) => {
        for (let k = from; k < to; k++) {
          let sum = 0;
          for (let i = starts[k]!; i < ends[k]!; i++) sum += amounts[i]!;
          sums[k] = sum;
        }
      },
      slicer,
    );
    return sums;
  }
  const sums = new Array<MicroPoints>(count);
  await forChunks(
    count,
    (from, to) => {
      for (let k = from; k < to; k++) {
        let sum = 0n;
        for (let i = starts[k]!; i < ends[k]!; i++) sum += amounts[i]!;
        sums[k] = sum;
      }
    },
    slicer,
  );
  return sums;
}

/** Rows summed per (user, bucket) already, in key order, as columns (bigint amounts, kept as they are). */
export function bucketColumnsOf(rows: readonly BucketCredit[]): BucketColumns {
  const buckets = [...new Map(rows.map((row) => [row.bucket.getTime(), { bucket: row.bucket, epoch: row.epoch }])).values()].sort(
    (a, b) => a.bucket.getTime() - b.bucket.getTime(),
  );
  const rank = new Map(buckets.map((bucket, index) => [bucket.bucket.getTime(), index]));
  return {
    length: rows.length,
    userIds: Float64Array.from(rows, (row) => row.userId),
    bucketRanks: Uint32Array.from(rows, (row) => rank.get(row.bucket.getTime())!),
    amounts: rows.map((row) => row.amount),
    buckets,
  };
}

/** The rows of bucket columns as objects (the bigint path's commission and the tests read them so). */
export function bucketRowsOf(columns: BucketColumns): BucketCredit[] {
  return Array.from({ length: columns.length }, (_, i) => {
    const { bucket, epoch } = columns.buckets[columns.bucketRanks[i]!]!;
    return { userId: columns.userIds[i]!, bucket, epoch, amount: microAt(columns.amounts, i) };
  });
}

export function referralPointRowsOf(columns: ReferralPointColumns): Array<{ referralId: number; refereeId: number; amount: MicroPoints }> {
  return Array.from({ length: columns.length }, (_, i) => ({
    referralId: columns.referralIds[i]!,
    refereeId: columns.refereeIds[i]!,
    amount: microAt(columns.amounts, i),
  }));
}
