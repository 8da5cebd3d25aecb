import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { columnLiteral, forChunks, integersLiteral, LoopSlicer } from '../../common/event-loop';
import { formatMicroPoints, MicroPoints } from '../../common/points';
import { BonusCredit, BonusRow, CompletedReferral, NodeColumns } from './ledger-batch';
import {
  BalanceColumns,
  BucketColumns,
  int8At,
  MicroColumn,
  ReferralPointColumns,
  sliceBalances,
  sliceBuckets,
  UserAmounts,
} from './ledger-columns';
import type { ReferralLinkColumns } from './referral-chains';

/** One aggregated credit: a user's amount in one ledger bucket (which fixes its epoch). */
export interface BucketCredit {
  readonly userId: number;
  readonly bucket: Date;
  readonly epoch: number;
  readonly amount: MicroPoints;
}

/**
 * Amounts travel as integer micro-points (int8 arrays: cheap to format and to parse) and become
 * NUMERIC(24,6) in SQL by an exact multiplication. Rows come as columns (`ledger-columns.ts`) and
 * go as array literals built from them in slices of the event loop (`integersLiteral`,
 * `columnLiteral`), so formatting a shard's parameters never blocks it and needs no row object.
 */
const MICRO = '0.000001';

/**
 * Rows one INSERT … ON CONFLICT of a ledger write carries at most: such a pass over more rows (a
 * shard of a 1M-user flush has 250,000) is several statements, one after the other in key order,
 * so each row is still locked in the same order, and a statement's parameters (megabytes of text,
 * built and written by the driver in single turns of the event loop) stay small. An insert costs
 * PostgreSQL the same per row in any number of statements. The UPDATE … FROM unnest passes stay
 * one statement each: PostgreSQL joins them to their table by the array's size (at 250,000 a hash
 * join over one scan of the table, at 50,000 a merge join along its index from the start), so
 * split they scanned the table once per statement (a 1M flush's referral points 2-3x slower).
 */
export const LEDGER_STATEMENT_ROWS = 50_000;

/** Consecutive [from, to) ranges of at most LEDGER_STATEMENT_ROWS of `length` rows. */
function statementRanges(length: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let from = 0; from < length; from += LEDGER_STATEMENT_ROWS) ranges.push([from, Math.min(length, from + LEDGER_STATEMENT_ROWS)]);
  return ranges;
}

/** An int8[] literal of micro-point amounts: typed arrays joined as they are, bigints one by one. */
function microLiteral(amounts: MicroColumn, length: number, slicer: LoopSlicer): Promise<string> {
  return amounts instanceof Float64Array ? integersLiteral(amounts, length, slicer) : columnLiteral(length, (i) => int8At(amounts, i), slicer);
}

/** Character codes the parsers of `string_agg` texts look for. */
const COMMA = 44;
const COLON = 58;
const ZERO = 48;

/**
 * The non-negative integers of a comma-separated list (`string_agg` of ids; null: none), parsed
 * digit by digit in slices of the event loop: no substring per item (a shard's 250,000 node
 * owners split into strings blocked for 20-30 ms at a time, and their garbage for more).
 */
async function integersOfList(list: string | null, slicer: LoopSlicer): Promise<number[]> {
  const integers: number[] = [];
  if (list === null || list === '') return integers;
  let value = 0;
  await forChunks(
    list.length,
    (start, end) => {
      let v = value;
      for (let at = start; at < end; at++) {
        const code = list.charCodeAt(at);
        if (code === COMMA) {
          integers.push(v);
          v = 0;
        } else {
          v = v * 10 + (code - ZERO);
        }
      }
      value = v;
    },
    slicer,
  );
  integers.push(value);
  return integers;
}

/**
 * Links as `string_agg` gives them (`id:referrer:referee:settled`, comma-separated; null: none),
 * at most `capacity` of them, parsed digit by digit in slices of the event loop.
 */
async function linkColumnsOf(text: string | null, capacity: number, slicer: LoopSlicer): Promise<ReferralLinkColumns> {
  const referralIds = new Float64Array(capacity);
  const referrerIds = new Float64Array(capacity);
  const refereeIds = new Float64Array(capacity);
  const settled = new Uint8Array(capacity);
  if (text === null || text === '') return { length: 0, referralIds, referrerIds, refereeIds, settled };
  // The parse's state between chunks: the row, the field within it, the field's value so far.
  let row = 0;
  let field = 0;
  let value = 0;
  const store = (): void => {
    if (field === 0) referralIds[row] = value;
    else if (field === 1) referrerIds[row] = value;
    else if (field === 2) refereeIds[row] = value;
    else settled[row] = value;
  };
  await forChunks(
    text.length,
    (start, end) => {
      for (let at = start; at < end; at++) {
        const code = text.charCodeAt(at);
        if (code === COLON) {
          store();
          field++;
          value = 0;
        } else if (code === COMMA) {
          store();
          row++;
          field = 0;
          value = 0;
        } else {
          value = value * 10 + (code - ZERO);
        }
      }
    },
    slicer,
  );
  store();
  row++;
  return { length: row, referralIds, referrerIds, refereeIds, settled };
}

/** The COMMIT of a ledger batch failed: it may have been applied. Retry with the same batch id. */
export class LedgerOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super('The ledger commit failed; the batch may or may not have been applied', { cause });
    this.name = 'LedgerOutcomeUnknown';
  }
}

/** A batch recorded by this transaction: see claimBatch. */
export interface BatchClaim {
  readonly tx: number | null;
  readonly nowMs: number;
}

/**
 * The set-based statements of a ledger write. Each takes whole arrays (via `unnest`), so a batch
 * of 100,000 users costs a handful of round trips. Rows are fed in key order so that concurrent
 * batches lock shared rows in the same order. All run inside the caller's transaction.
 */
@Injectable()
export class LedgerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in one READ COMMITTED transaction on the primary, telling a failed COMMIT (throws
   * LedgerOutcomeUnknown: the batch may be in the ledger) from a failure before it (rolled back:
   * the error as it came).
   */
  async inBatchTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner('master');
    try {
      await runner.connect();
      await runner.startTransaction('READ COMMITTED');
      // A flush sorts and hashes hundreds of thousands of rows; the default 4 MB spills to disk.
      await runner.query(`SET LOCAL work_mem = '64MB'`);
      let result: T;
      try {
        result = await work(runner.manager);
      } catch (error) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
      try {
        await runner.commitTransaction();
      } catch (error) {
        throw new LedgerOutcomeUnknown(error);
      }
      return result;
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /**
   * Records the batch; null when it was recorded (so applied) before. Otherwise the transaction's
   * id and its `now()` (what its rows' `updated_at` will say), which the write's `earnings.changed`
   * carries (`LedgerCredit`); the id is null past 2^53, where it would not be exact as a number.
   */
  async claimBatch(manager: EntityManager, batchId: string, creditCount: number): Promise<BatchClaim | null> {
    const rows = (await manager.query(
      `INSERT INTO ledger_flushes (id, credit_count) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING
       RETURNING pg_current_xact_id()::text AS tx, floor(extract(epoch FROM now()) * 1000)::float8 AS now_ms`,
      [batchId, creditCount],
    )) as Array<{ tx: string; now_ms: number }>;
    if (rows.length !== 1) return null;
    const tx = Number(rows[0]!.tx);
    return { tx: Number.isSafeInteger(tx) ? tx : null, nowMs: rows[0]!.now_ms };
  }

  /** Adds aggregated credits (in key order) to the (user, source, bucket) rows, creating them as needed. */
  async addToBuckets(manager: EntityManager, source: 'Network' | 'Referral', credits: BucketColumns): Promise<void> {
    for (const [from, to] of statementRanges(credits.length)) await this.addToBucketsAtOnce(manager, source, sliceBuckets(credits, from, to));
  }

  private async addToBucketsAtOnce(manager: EntityManager, source: 'Network' | 'Referral', credits: BucketColumns): Promise<void> {
    // A batch has few buckets: each one's timestamp is formatted once.
    const bucketTexts = credits.buckets.map(({ bucket }) => bucket.toISOString());
    const epochs = credits.buckets.map(({ epoch }) => epoch);
    const { length, bucketRanks } = credits;
    const slicer = new LoopSlicer();
    await manager.query(
      `INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref)
       SELECT t.user_id, $1, t.bucket, t.epoch, t.micro * ${MICRO}, ''
         FROM unnest($2::bigint[], $3::timestamptz[], $4::int[], $5::bigint[]) AS t(user_id, bucket, epoch, micro)
       ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = earnings.amount + EXCLUDED.amount`,
      [
        source,
        await integersLiteral(credits.userIds, length, slicer),
        await columnLiteral(length, (i) => bucketTexts[bucketRanks[i]!]!, slicer),
        await columnLiteral(length, (i) => epochs[bucketRanks[i]!]!, slicer),
        await microLiteral(credits.amounts, length, slicer),
      ],
    );
  }

  /**
   * The referral rows of these referees (who referred them), read from the primary, as columns. The
   * rows come back as one text (`id:referrer:referee:settled,…`), parsed in slices of the event
   * loop straight into typed arrays: no result row, string or object per link.
   */
  async referralLinksOf(manager: EntityManager, refereeIds: Float64Array): Promise<ReferralLinkColumns> {
    const slicer = new LoopSlicer();
    if (refereeIds.length === 0) return linkColumnsOf(null, 0, slicer);
    const [row] = (await manager.query(
      `SELECT string_agg(id || ':' || referrer_id || ':' || referee_id || ':' || (status <> 'Pending')::int, ',') AS links
         FROM referrals WHERE referee_id = ANY($1::bigint[])`,
      [await integersLiteral(refereeIds, refereeIds.length, slicer)],
    )) as Array<{ links: string | null }>;
    // A referee has at most one referral (unique referee_id): at most one row per id asked.
    return linkColumnsOf(row?.links ?? null, refereeIds.length, slicer);
  }

  /**
   * Adds the commission that flowed through each direct referral to its `points`, in id order.
   * Rows with amount 0 are locked without being changed (the earners' own referrals, which
   * qualification may update later in the transaction: see LedgerService for the lock order).
   */
  async addToReferralPoints(manager: EntityManager, points: ReferralPointColumns): Promise<void> {
    if (points.length === 0) return;
    const slicer = new LoopSlicer();
    await manager.query(
      `UPDATE referrals r SET points = r.points + t.micro * ${MICRO}, updated_at = CASE WHEN t.micro > 0 THEN now() ELSE r.updated_at END
         FROM unnest($1::bigint[], $2::bigint[]) AS t(id, micro)
        WHERE r.id = t.id`,
      [await integersLiteral(points.referralIds, points.length, slicer), await microLiteral(points.amounts, points.length, slicer)],
    );
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

  /** Adds to per-user totals (deltas in user order: the lock order), creating the balance row on a user's first credit. */
  async addToBalances(manager: EntityManager, sorted: BalanceColumns): Promise<void> {
    for (const [from, to] of statementRanges(sorted.length)) await this.addToBalancesAtOnce(manager, sliceBalances(sorted, from, to));
  }

  private async addToBalancesAtOnce(manager: EntityManager, sorted: BalanceColumns): Promise<void> {
    const slicer = new LoopSlicer();
    await manager.query(
      `INSERT INTO user_balances (user_id, network, referral, bonus, updated_at)
       SELECT t.user_id, t.network * ${MICRO}, t.referral * ${MICRO}, t.bonus * ${MICRO}, now()
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS t(user_id, network, referral, bonus)
       ON CONFLICT (user_id) DO UPDATE SET
         network = user_balances.network + EXCLUDED.network,
         referral = user_balances.referral + EXCLUDED.referral,
         bonus = user_balances.bonus + EXCLUDED.bonus,
         updated_at = now()`,
      [
        await integersLiteral(sorted.userIds, sorted.length, slicer),
        await microLiteral(sorted.network, sorted.length, slicer),
        await microLiteral(sorted.referral, sorted.length, slicer),
        await microLiteral(sorted.bonus, sorted.length, slicer),
      ],
    );
  }

  /**
   * Adds uptime and points to nodes and sets their latest score; returns the owners touched. The
   * points also count in the node's `points_today` (from zero when `points_day` is not today,
   * UTC), here rather than in a row trigger, which cost a third of this statement. The owners come
   * back as one text row (ascending), not one row per node: parsing 25,000 result rows would block
   * the event loop in one turn. Nodes come in node id order (the lock order).
   */
  async advanceNodes(manager: EntityManager, nodes: NodeColumns): Promise<number[]> {
    if (nodes.length === 0) return [];
    const slicer = new LoopSlicer();
    const { length, seconds, scores } = nodes;
    const [row] = (await manager.query(
      `WITH advanced AS (
       UPDATE network_connections n SET
          connection_time = n.connection_time + t.seconds,
          points_earned = n.points_earned + t.micro * ${MICRO},
          points_today = CASE
            WHEN t.micro = 0 THEN n.points_today
            WHEN n.points_day = (now() AT TIME ZONE 'UTC')::date THEN n.points_today + t.micro * ${MICRO}
            ELSE t.micro * ${MICRO} END,
          points_day = CASE WHEN t.micro = 0 THEN n.points_day ELSE (now() AT TIME ZONE 'UTC')::date END,
          network_score = t.score,
          last_seen_at = GREATEST(n.last_seen_at, timestamptz 'epoch' + t.seen_ms * interval '1 millisecond'),
          updated_at = now()
         FROM unnest($1::bigint[], $2::numeric[], $3::bigint[], $4::float8[], $5::bigint[]) AS t(id, seconds, micro, score, seen_ms)
        WHERE n.id = t.id
       RETURNING n.user_id)
       SELECT string_agg(user_id::text, ',' ORDER BY user_id) AS owners FROM (SELECT DISTINCT user_id FROM advanced) AS owner`,
      [
        await integersLiteral(nodes.nodeIds, length, slicer),
        await columnLiteral(length, (i) => seconds[i]!.toFixed(3), slicer),
        await microLiteral(nodes.points, length, slicer),
        await columnLiteral(length, (i) => Math.min(1, Math.max(0, scores[i]!)), slicer),
        // Milliseconds, not ISO text: every node's last heartbeat differs, so formatting them costs a string each.
        await integersLiteral(nodes.lastSeenMs, length, slicer),
      ],
    )) as Array<{ owners: string | null }>;
    return integersOfList(row?.owners ?? null, slicer);
  }

  /**
   * Pending referrals of these referees whose lifetime Network points (their balance plus what
   * this batch adds, not yet written) reach the threshold become Completed. The status condition
   * makes this exactly-once: of two concurrent batches, the second finds the row no longer
   * Pending once the first commits. The caller has locked these referral rows already, so the
   * balances read here include every committed credit of these referees. Earners (with what this
   * batch adds to their Network points) come in user order.
   */
  async completeQualified(manager: EntityManager, earners: UserAmounts, threshold: MicroPoints): Promise<CompletedReferral[]> {
    if (earners.length === 0) return [];
    const slicer = new LoopSlicer();
    const rows = (await manager.query(
      `UPDATE referrals r SET status = 'Completed', completed_at = now(), updated_at = now()
         FROM unnest($1::bigint[], $2::bigint[]) AS t(user_id, micro)
         LEFT JOIN user_balances b ON b.user_id = t.user_id
        WHERE r.referee_id = t.user_id AND r.status = 'Pending'
          AND COALESCE(b.network, 0) + t.micro * ${MICRO} >= $3::numeric
       RETURNING r.id AS "referralId", r.referrer_id AS "referrerId", r.referee_id AS "refereeId"`,
      [
        await integersLiteral(earners.userIds, earners.length, slicer),
        await microLiteral(earners.amounts, earners.length, slicer),
        formatMicroPoints(threshold),
      ],
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
