import { forChunks, LoopSlicer, orderInSlices } from '../../common/event-loop';
import { NetworkCredit, NetworkCreditColumns } from './ledger-batch';
import type { BucketCredit } from './ledger.repository';

/** A ledger bucket of a batch: its start and epoch. */
export interface BatchBucket {
  readonly bucket: Date;
  readonly epoch: number;
}

/**
 * A batch's Network credits summed per (user, bucket), in key order, as columns: row i is user
 * `userIds[i]`'s `amounts[i]` micro-points in `buckets[bucketRanks[i]]`. The planning of a flush
 * works on these (typed arrays: no object, no bigint per credit, nothing for the garbage collector
 * to trace), and so do the ledger's statements (`BucketColumns`).
 *
 * Amounts are plain numbers, exact while every sum is a safe integer: `total` (the sum of all
 * amounts) bounds every sum of credits and of commission (the rates add up to at most 1); whoever
 * builds columns returns none when it is not.
 */
export interface CreditColumns {
  readonly length: number;
  readonly userIds: Float64Array;
  /** Index into `buckets`, which are in time order. */
  readonly bucketRanks: Uint32Array;
  readonly amounts: Float64Array;
  readonly buckets: readonly BatchBucket[];
  readonly largest: number;
  readonly total: number;
}

/** How a credit's moment maps to its ledger bucket (ms) and a bucket to its epoch. */
export interface BucketRules {
  bucketStartMs(ms: number): number;
  epochOf(bucket: Date): number;
}

/**
 * Network credits summed per (user, ledger bucket), positive ones only, in key order: the rows the
 * ledger writes (one per key, as ON CONFLICT requires), as columns. Null when an amount or the
 * batch's total is beyond 2^53 micro-points (bigint arithmetic then).
 */
export async function aggregateCredits(
  credits: readonly NetworkCredit[] | NetworkCreditColumns,
  rules: BucketRules,
  slicer = new LoopSlicer(),
): Promise<CreditColumns | null> {
  const users = new Float64Array(credits.length);
  const slots = new Uint32Array(credits.length);
  const amounts = new Float64Array(credits.length);
  // Buckets by first sight; a flush's credits share one or two Date objects, so a bucket is
  // worked out again only when the Date changes.
  const bucketMs: number[] = [];
  let lastAt: Date | undefined;
  let lastSlot = 0;
  let length = 0;
  let total = 0;
  if (credits instanceof NetworkCreditColumns) {
    let lastMs = NaN;
    await forChunks(
      credits.length,
      (start, end) => {
        // Locals, written back once a chunk: a running sum kept in the closure's context would
        // box a new number at every step.
        const { amounts: given, atMs, userIds } = credits;
        let n = length;
        let sum = total;
        let slot = lastSlot;
        let at = lastMs;
        for (let i = start; i < end; i++) {
          const amount = given[i]!;
          if (amount <= 0) continue;
          if (atMs[i] !== at) {
            at = atMs[i]!;
            const ms = rules.bucketStartMs(at);
            slot = bucketMs.indexOf(ms);
            if (slot === -1) slot = bucketMs.push(ms) - 1;
          }
          sum += amount;
          users[n] = userIds[i]!;
          slots[n] = slot;
          amounts[n++] = amount;
        }
        length = n;
        total = sum;
        lastSlot = slot;
        lastMs = at;
      },
      slicer,
    );
  } else {
    for (const credit of credits) {
      if (slicer.due()) await slicer.yield();
      if (credit.amount <= 0n) continue;
      if (credit.amount > SAFE) return null;
      if (credit.at !== lastAt) {
        lastAt = credit.at;
        const ms = rules.bucketStartMs(credit.at.getTime());
        lastSlot = bucketMs.indexOf(ms);
        if (lastSlot === -1) lastSlot = bucketMs.push(ms) - 1;
      }
      const amount = Number(credit.amount);
      total += amount;
      users[length] = credit.userId;
      slots[length] = lastSlot;
      amounts[length++] = amount;
    }
  }
  if (total > Number.MAX_SAFE_INTEGER) return null;

  // Buckets in time order; the sort key puts a user's buckets next to each other, in time order.
  const byTime = bucketMs.map((ms, slot) => ({ ms, slot })).sort((a, b) => a.ms - b.ms);
  const rankOf = new Uint32Array(bucketMs.length);
  byTime.forEach(({ slot }, rank) => (rankOf[slot] = rank));
  const buckets = byTime.map(({ ms }) => {
    const bucket = new Date(ms);
    return { bucket, epoch: rules.epochOf(bucket) };
  });
  const keys = new Float64Array(length);
  const bucketCount = buckets.length;
  await forChunks(
    length,
    (start, end) => {
      for (let i = start; i < end; i++) keys[i] = users[i]! * bucketCount + rankOf[slots[i]!]!;
    },
    slicer,
  );
  const order = await orderInSlices(keys, length, slicer);

  const out = {
    userIds: new Float64Array(length),
    bucketRanks: new Uint32Array(length),
    amounts: new Float64Array(length),
  };
  let rows = 0;
  let largest = 0;
  await forChunks(
    length,
    (start, end) => {
      const { userIds, bucketRanks, amounts: sums } = out;
      let r = rows;
      for (let k = start; k < end; k++) {
        const i = order[k]!;
        if (r > 0 && keys[order[k - 1]!] === keys[i]) {
          sums[r - 1] += amounts[i]!;
        } else {
          userIds[r] = users[i]!;
          bucketRanks[r] = rankOf[slots[i]!]!;
          sums[r++] = amounts[i]!;
        }
      }
      rows = r;
    },
    slicer,
  );
  await forChunks(
    rows,
    (start, end) => {
      let most = largest;
      for (let i = start; i < end; i++) if (out.amounts[i]! > most) most = out.amounts[i]!;
      largest = most;
    },
    slicer,
  );
  return { length: rows, userIds: out.userIds, bucketRanks: out.bucketRanks, amounts: out.amounts, buckets, largest, total };
}

/**
 * Columns of rows already summed per (user, bucket), in any order (commission's entry point for
 * callers holding rows); null when amounts or their total are beyond 2^53 micro-points.
 */
export function columnsOfRows(rows: readonly BucketCredit[]): CreditColumns | null {
  const distinct = [...new Map(rows.map((row) => [row.bucket.getTime(), row])).values()].sort(
    (a, b) => a.bucket.getTime() - b.bucket.getTime(),
  );
  const rank = new Map(distinct.map((row, index) => [row.bucket.getTime(), index]));
  const columns = {
    length: 0,
    userIds: new Float64Array(rows.length),
    bucketRanks: new Uint32Array(rows.length),
    amounts: new Float64Array(rows.length),
    buckets: distinct.map((row) => ({ bucket: row.bucket, epoch: row.epoch })),
    largest: 0,
    total: 0,
  };
  for (const row of rows) {
    if (row.amount <= 0n) continue;
    if (row.amount > SAFE) return null;
    const amount = Number(row.amount);
    columns.total += amount;
    if (amount > columns.largest) columns.largest = amount;
    columns.userIds[columns.length] = row.userId;
    columns.bucketRanks[columns.length] = rank.get(row.bucket.getTime())!;
    columns.amounts[columns.length++] = amount;
  }
  return columns.total > Number.MAX_SAFE_INTEGER ? null : columns;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
