import { MicroPoints } from '../../common/points';

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
  readonly nodes: readonly NodeProgress[];
  readonly bonuses: readonly BonusCredit[];
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
  /** Users whose balances changed. */
  readonly earningsChanged: readonly number[];
  /** Users whose referral data changed (commission received, a referral rewarded). */
  readonly referralChanged: readonly number[];
  /** Owners of nodes that were updated. */
  readonly networkChanged: readonly number[];
  readonly completedReferrals: readonly CompletedReferral[];
  readonly bonusRows: readonly BonusRow[];
}
