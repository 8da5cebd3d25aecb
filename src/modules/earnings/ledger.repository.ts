import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { formatMicroPoints, MicroPoints, parseMicroPoints } from '../../common/points';
import { BonusCredit, BonusRow, CompletedReferral, NodeProgress } from './ledger-batch';

/** One aggregated credit: a user's amount in one ledger bucket (which fixes its epoch). */
export interface BucketCredit {
  readonly userId: number;
  readonly bucket: Date;
  readonly epoch: number;
  readonly amount: MicroPoints;
}

export interface BalanceDelta {
  readonly userId: number;
  readonly network: MicroPoints;
  readonly referral: MicroPoints;
  readonly bonus: MicroPoints;
}

/**
 * The set-based statements of a ledger write. Each takes whole arrays (via `unnest`), so a batch
 * of 100,000 users costs a handful of round trips. Rows are fed in key order so that concurrent
 * batches lock shared rows in the same order. All run inside the caller's transaction.
 */
@Injectable()
export class LedgerRepository {
  /** Records the batch; false when it was recorded (so applied) before. */
  async claimBatch(manager: EntityManager, batchId: string, creditCount: number): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ledger_flushes (id, credit_count) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [batchId, creditCount],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Adds aggregated credits to the (user, source, bucket) rows, creating them as needed. */
  async addToBuckets(manager: EntityManager, source: 'Network' | 'Referral', credits: readonly BucketCredit[]): Promise<void> {
    if (credits.length === 0) return;
    await manager.query(
      `INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref)
       SELECT t.user_id, $1, t.bucket, t.epoch, t.amount, ''
         FROM unnest($2::bigint[], $3::timestamptz[], $4::int[], $5::numeric[]) AS t(user_id, bucket, epoch, amount)
        ORDER BY t.user_id, t.bucket
       ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = earnings.amount + EXCLUDED.amount`,
      [
        source,
        credits.map((credit) => credit.userId),
        credits.map((credit) => credit.bucket),
        credits.map((credit) => credit.epoch),
        credits.map((credit) => formatMicroPoints(credit.amount)),
      ],
    );
  }

  /**
   * Tiered commission on Network credits, in one statement: walks each earner's referral chain up
   * to `rates.length` tiers, credits each ancestor rate × amount (truncated to micro-points, so
   * never more than the rate) into their Referral bucket rows, and adds it to the `points` of the
   * direct referral it flowed through (the ancestor's referral of the next user down the chain).
   * Returns the commission per ancestor.
   */
  async payCommission(
    manager: EntityManager,
    credits: readonly BucketCredit[],
    rates: readonly string[],
  ): Promise<Map<number, MicroPoints>> {
    if (credits.length === 0 || rates.length === 0) return new Map();
    const rows = (await manager.query(
      `WITH RECURSIVE credit AS (
         SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::int[], $4::numeric[]) AS t(user_id, bucket, epoch, amount)
       ),
       chain AS (
         SELECT r.referee_id AS earner, r.referrer_id AS ancestor, r.id AS via_referral, 1 AS tier
           FROM referrals r WHERE r.referee_id IN (SELECT DISTINCT user_id FROM credit)
         UNION ALL
         SELECT chain.earner, r.referrer_id, r.id, chain.tier + 1
           FROM chain JOIN referrals r ON r.referee_id = chain.ancestor
          WHERE chain.tier < cardinality($5::numeric[])
       ),
       commission AS (
         SELECT chain.ancestor, chain.via_referral, credit.bucket, credit.epoch,
                trunc(credit.amount * ($5::numeric[])[chain.tier], 6) AS amount
           FROM chain JOIN credit ON credit.user_id = chain.earner
       ),
       bucket_rows AS (
         INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref)
         SELECT ancestor, 'Referral', bucket, epoch, sum(amount), ''
           FROM commission GROUP BY ancestor, bucket, epoch HAVING sum(amount) > 0
          ORDER BY ancestor, bucket
         ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = earnings.amount + EXCLUDED.amount
         RETURNING 1
       ),
       referral_points AS (
         UPDATE referrals r SET points = r.points + s.amount, updated_at = now()
           FROM (SELECT via_referral, sum(amount) AS amount FROM commission GROUP BY via_referral HAVING sum(amount) > 0
                  ORDER BY via_referral) s
          WHERE r.id = s.via_referral
         RETURNING 1
       )
       SELECT ancestor AS user_id, sum(amount)::text AS amount, (SELECT count(*) FROM bucket_rows) + (SELECT count(*) FROM referral_points) AS writes
         FROM commission GROUP BY ancestor HAVING sum(amount) > 0`,
      [
        credits.map((credit) => credit.userId),
        credits.map((credit) => credit.bucket),
        credits.map((credit) => credit.epoch),
        credits.map((credit) => formatMicroPoints(credit.amount)),
        rates,
      ],
    )) as Array<{ user_id: number; amount: string }>;
    return new Map(rows.map((row) => [row.user_id, parseMicroPoints(row.amount)]));
  }

  /** Inserts individual bonus rows; a ref seen before is skipped. Returns the rows inserted. */
  async insertBonuses(manager: EntityManager, bonuses: readonly BonusCredit[], epochs: readonly number[]): Promise<BonusRow[]> {
    if (bonuses.length === 0) return [];
    const rows = (await manager.query(
      `INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref, note)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::int[], $5::numeric[], $6::text[], $7::text[])
       ON CONFLICT (user_id, source, "timestamp", ref) DO NOTHING
       RETURNING id, user_id AS "userId", amount, "timestamp", epoch, ref`,
      [
        bonuses.map((bonus) => bonus.userId),
        bonuses.map(() => 'Bonus'),
        bonuses.map((bonus) => bonus.at),
        epochs,
        bonuses.map((bonus) => formatMicroPoints(bonus.amount)),
        bonuses.map((bonus) => bonus.ref),
        bonuses.map((bonus) => bonus.note),
      ],
    )) as BonusRow[];
    return rows;
  }

  /** Adds to per-user totals, creating the balance row on a user's first credit. */
  async addToBalances(manager: EntityManager, deltas: readonly BalanceDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const sorted = [...deltas].sort((a, b) => a.userId - b.userId);
    await manager.query(
      `INSERT INTO user_balances (user_id, network, referral, bonus, updated_at)
       SELECT t.user_id, t.network, t.referral, t.bonus, now()
         FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::numeric[]) AS t(user_id, network, referral, bonus)
       ON CONFLICT (user_id) DO UPDATE SET
         network = user_balances.network + EXCLUDED.network,
         referral = user_balances.referral + EXCLUDED.referral,
         bonus = user_balances.bonus + EXCLUDED.bonus,
         updated_at = now()`,
      [
        sorted.map((delta) => delta.userId),
        sorted.map((delta) => formatMicroPoints(delta.network)),
        sorted.map((delta) => formatMicroPoints(delta.referral)),
        sorted.map((delta) => formatMicroPoints(delta.bonus)),
      ],
    );
  }

  /** Adds uptime and points to nodes and sets their latest score; returns the owners touched. */
  async advanceNodes(manager: EntityManager, nodes: readonly NodeProgress[]): Promise<number[]> {
    if (nodes.length === 0) return [];
    const sorted = [...nodes].sort((a, b) => a.nodeId - b.nodeId);
    const rows = (await manager.query(
      `UPDATE network_connections n SET
          connection_time = n.connection_time + t.seconds,
          points_earned = n.points_earned + t.points,
          network_score = t.score,
          last_seen_at = GREATEST(n.last_seen_at, t.seen),
          updated_at = now()
         FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::float8[], $5::timestamptz[]) AS t(id, seconds, points, score, seen)
        WHERE n.id = t.id
       RETURNING n.user_id`,
      [
        sorted.map((node) => node.nodeId),
        sorted.map((node) => node.seconds.toFixed(3)),
        sorted.map((node) => formatMicroPoints(node.points)),
        sorted.map((node) => Math.min(1, Math.max(0, node.score))),
        sorted.map((node) => node.lastSeenAt),
      ],
    )) as [Array<{ user_id: number }>, number];
    return [...new Set(rows[0].map((row) => row.user_id))];
  }

  /**
   * Pending referrals of these referees whose lifetime Network points reached the threshold
   * become Completed. The status condition makes this exactly-once: of two concurrent batches,
   * the second finds the row no longer Pending once the first commits.
   */
  async completeQualified(manager: EntityManager, refereeIds: readonly number[], threshold: MicroPoints): Promise<CompletedReferral[]> {
    if (refereeIds.length === 0) return [];
    const rows = (await manager.query(
      `UPDATE referrals r SET status = 'Completed', completed_at = now(), updated_at = now()
         FROM user_balances b
        WHERE r.referee_id = ANY($1::bigint[]) AND r.status = 'Pending'
          AND b.user_id = r.referee_id AND b.network >= $2::numeric
       RETURNING r.id AS "referralId", r.referrer_id AS "referrerId", r.referee_id AS "refereeId"`,
      [[...refereeIds].sort((a, b) => a - b), formatMicroPoints(threshold)],
    )) as [CompletedReferral[], number];
    return rows[0];
  }

  /** Completed referrals whose bonus has been credited become Rewarded, the bonus counted in their points. */
  async markRewarded(manager: EntityManager, referralIds: readonly number[], bonus: MicroPoints): Promise<void> {
    if (referralIds.length === 0) return;
    await manager.query(
      `UPDATE referrals SET status = 'Rewarded', rewarded_at = now(), updated_at = now(), points = points + $2::numeric
        WHERE id = ANY($1::bigint[]) AND status = 'Completed'`,
      [referralIds, formatMicroPoints(bonus)],
    );
  }
}
