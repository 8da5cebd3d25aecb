import { MicroPoints } from '../../common/points';
import type { MicroColumn } from './ledger-columns';

/** Points a user earned from their nodes' uptime, at a moment (which picks the ledger bucket). */
export interface NetworkCredit {
  readonly userId: number;
  readonly amount: MicroPoints;
  readonly at: Date;
}

/**
 * Many Network credits as columns (a flush's): credit i is `amounts[i]` micro-points to user
 * `userIds[i]` at `atMs[i]`, with no object or bigint per credit. Amounts are safe integers.
 */
export class NetworkCreditColumns {
  length = 0;
  readonly userIds: Float64Array;
  readonly amounts: Float64Array;
  readonly atMs: Float64Array;

  constructor(capacity: number) {
    this.userIds = new Float64Array(capacity);
    this.amounts = new Float64Array(capacity);
    this.atMs = new Float64Array(capacity);
  }

  push(userId: number, micro: number, atMs: number): void {
    if (!Number.isSafeInteger(micro)) throw new Error(`Not an exact amount of micro-points: ${micro}`);
    this.userIds[this.length] = userId;
    this.amounts[this.length] = micro;
    this.atMs[this.length++] = atMs;
  }

  /** The credits as objects (for the bigint path of a batch whose total is beyond 2^53 micro-points). */
  toCredits(): NetworkCredit[] {
    return Array.from({ length: this.length }, (_, i) => ({
      userId: this.userIds[i]!,
      amount: BigInt(this.amounts[i]!),
      at: new Date(this.atMs[i]!),
    }));
  }
}

/** Uptime, points and score to add to one node. */
export interface NodeProgress {
  readonly nodeId: number;
  readonly seconds: number;
  readonly points: MicroPoints;
  readonly score: number;
  readonly lastSeenAt: Date;
}

/**
 * Node progress as columns, in node id order (the order the ledger locks node rows in): node
 * `nodeIds[i]` gains `seconds[i]` of uptime and `points[i]` micro-points, its score becomes
 * `scores[i]` and its last heartbeat `lastSeenMs[i]`. A flush's 100,000 nodes cost no object,
 * bigint or Date each. Points are safe integers, or bigints when built from objects that need them.
 */
export interface NodeColumns {
  readonly length: number;
  readonly nodeIds: Float64Array;
  readonly seconds: Float64Array;
  readonly points: MicroColumn;
  readonly scores: Float64Array;
  readonly lastSeenMs: Float64Array;
}

/** `NodeColumns` filled node by node (in node id order), with plain-number points. */
export class NodeProgressColumns implements NodeColumns {
  length = 0;
  readonly nodeIds: Float64Array;
  readonly seconds: Float64Array;
  readonly points: Float64Array;
  readonly scores: Float64Array;
  readonly lastSeenMs: Float64Array;

  constructor(capacity: number) {
    this.nodeIds = new Float64Array(capacity);
    this.seconds = new Float64Array(capacity);
    this.points = new Float64Array(capacity);
    this.scores = new Float64Array(capacity);
    this.lastSeenMs = new Float64Array(capacity);
  }

  push(nodeId: number, seconds: number, micro: number, score: number, lastSeenMs: number): void {
    if (!Number.isSafeInteger(micro)) throw new Error(`Not an exact amount of micro-points: ${micro}`);
    if (this.length > 0 && nodeId <= this.nodeIds[this.length - 1]!) throw new Error('Node progress must come in node id order');
    this.nodeIds[this.length] = nodeId;
    this.seconds[this.length] = seconds;
    this.points[this.length] = micro;
    this.scores[this.length] = score;
    this.lastSeenMs[this.length++] = lastSeenMs;
  }

  /** The progress as objects (for tests and logs). */
  toProgress(): NodeProgress[] {
    return Array.from({ length: this.length }, (_, i) => ({
      nodeId: this.nodeIds[i]!,
      seconds: this.seconds[i]!,
      points: BigInt(this.points[i]!),
      score: this.scores[i]!,
      lastSeenAt: new Date(this.lastSeenMs[i]!),
    }));
  }
}

/** An individual bonus row; `ref` makes it unique, so a replayed bonus is not paid twice. */
export interface BonusCredit {
  readonly userId: number;
  readonly amount: MicroPoints;
  readonly at: Date;
  readonly ref: string;
  readonly note: string | null;
}

/**
 * Everything one ledger write applies, in one transaction. `id` identifies the batch: applying
 * the same batch twice (a retry after an unknown outcome) credits nothing the second time.
 */
export interface LedgerBatch {
  readonly id: string;
  readonly network: readonly NetworkCredit[] | NetworkCreditColumns;
  readonly nodes: readonly NodeProgress[] | NodeProgressColumns;
  readonly bonuses: readonly BonusCredit[];
  /**
   * The shard count of an earlier attempt whose outcome is unknown (`ApplyOptions.onSplit` tells it):
   * a retry splits the same way, so its shards' ids match those already written whatever the
   * configuration is now. Unset: the configuration decides.
   */
  readonly shards?: number;
}

export interface CompletedReferral {
  readonly referralId: number;
  readonly referrerId: number;
  readonly refereeId: number;
}

export interface BonusRow {
  readonly id: number;
  readonly userId: number;
  readonly amount: string;
  readonly timestamp: Date;
  readonly epoch: number;
  readonly ref: string;
}

export interface LedgerResult {
  /** False when the batch had been applied before (nothing was credited this time). */
  readonly applied: boolean;
  /** Users whose balances changed, ascending. */
  readonly earningsChanged: readonly number[];
  /** Users whose referral data changed (commission received, a referral rewarded), ascending. */
  readonly referralChanged: readonly number[];
  /** Owners of nodes that were updated, ascending. */
  readonly networkChanged: readonly number[];
  readonly completedReferrals: readonly CompletedReferral[];
  readonly bonusRows: readonly BonusRow[];
  /**
   * What one transaction added to the balances of `earningsChanged`, when all of it went into one
   * ledger bucket and its id is known: announced with `earnings.changed` (`LedgerCredit`) so that
   * cached summaries are brought up to date without a read. Only on a single transaction's result.
   */
  readonly credit?: BalanceCredit;
}

/** See LedgerResult.credit. */
export interface BalanceCredit {
  readonly tx: number;
  /** The balances' `updated_at` (ms). */
  readonly at: number;
  readonly bucket: number;
  readonly epoch: number;
  /**
   * Micro-points per user of `earningsChanged`, at the same index; NaN where the user's change is
   * not only these (a bonus, which has its own timestamp): such a user is announced without a credit.
   */
  readonly network: Float64Array;
  readonly referral: Float64Array;
}
