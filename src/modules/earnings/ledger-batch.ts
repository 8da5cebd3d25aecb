import { MicroPoints } from '../../common/points';

/** Points a user earned from their nodes' uptime, at a moment (which picks the ledger bucket). */
export interface NetworkCredit {
  readonly userId: number;
  readonly amount: MicroPoints;
  readonly at: Date;
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
  readonly network: readonly NetworkCredit[];
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
