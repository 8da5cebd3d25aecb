import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config';
import { mapValues } from '../../common/maps';
import { decodeCursor, isTimeIdCursor, Page, pageOf } from '../../common/cursor';
import { epochOf, epochStart, utcDayStart } from '../../common/epoch';
import { DashboardError } from '../../common/errors';
import { Based, UserReadCache } from '../../infra/cache/user-read-cache';
import { applyCredit, parseSnapshot, SummaryBasis } from './earnings-credit';
import { ListEarningsQuery } from './dto/list-earnings.query';
import { TimeseriesBucket, TimeseriesQuery } from './dto/timeseries.query';
import {
  EarningJson,
  EarningsDataJson,
  TimeseriesPointJson,
  toEarningJson,
  toEarningsData,
  toTimeseriesPoint,
} from './earnings.mapper';
import { EarningsRepository } from './earnings.repository';

const BUCKET_MS: Record<TimeseriesBucket, number> = { hour: 3_600_000, day: 86_400_000 };
const DEFAULT_SPAN_BUCKETS: Record<TimeseriesBucket, number> = { hour: 24, day: 30 };
/** A chart does not need more points than this; it also bounds the query's work. */
const MAX_BUCKETS = 2_000;

/** Reads of the ledger: history, summaries, time series. Writes go through LedgerService. */
@Injectable()
export class EarningsService {
  /** See summaryValidUntil. */
  private summaryBoundary = 0;

  constructor(
    private readonly earnings: EarningsRepository,
    private readonly config: AppConfig,
    private readonly cache: UserReadCache,
  ) {
    // A ledger write's earnings.changed carries what it credited: cached summaries take it in place.
    cache.setUpdater('earnings', applyCredit);
  }

  async history(userId: number, query: ListEarningsQuery): Promise<Page<EarningJson>> {
    const from = optionalDate(query.from);
    const to = optionalDate(query.to);
    if (from !== undefined && to !== undefined && from >= to) throw rangeError();
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isTimeIdCursor);
    const rows = await this.earnings.history(userId, {
      source: query.source,
      from,
      to,
      before: cursor === undefined ? undefined : { t: new Date(cursor.t), id: cursor.id },
      limit: query.limit + 1,
    });
    return pageOf(rows, query.limit, toEarningJson, (row) => ({ t: row.timestamp.toISOString(), id: row.id }));
  }

  /**
   * The caller's EarningsData, cached until an earnings event, and at most until the UTC day or
   * the epoch ends (`today` and `epoch_total` restart then). GET /api/earnings/summary, snapshots.
   */
  summary(userId: number): Promise<EarningsDataJson> {
    return this.cache.readBased(userId, 'earnings', async () => (await this.basedSummaries([userId])).get(userId)!, this.summaryValidUntil(Date.now()));
  }

  /** The EarningsData of many users, each from the cache or, for the rest, from one query (a push pass's dirty users). */
  cachedSummaries(userIds: readonly number[]): Promise<Map<number, EarningsDataJson>> {
    return this.cache.readMany(userIds, 'earnings', (missing) => this.basedSummaries(missing), this.summaryValidUntil(Date.now()));
  }

  /**
   * The next UTC midnight or epoch boundary, whichever comes first (ms): when a summary's `today`
   * or `epoch_total` restarts. Worked out again only once it has passed, not on every read.
   */
  private summaryValidUntil(now: number): number {
    if (now >= this.summaryBoundary) {
      const date = new Date(now);
      const dayEnd = utcDayStart(date).getTime() + 86_400_000;
      const epochEnd = epochStart(epochOf(date, this.config.earnings) + 1, this.config.earnings).getTime();
      this.summaryBoundary = Math.min(dayEnd, epochEnd);
    }
    return this.summaryBoundary;
  }

  /** EarningsData of many users in one query (live pushes fan out to thousands at once). */
  async summaries(userIds: readonly number[], now = new Date()): Promise<Map<number, EarningsDataJson>> {
    return mapValues(await this.basedSummaries(userIds, now), (based) => based.value);
  }

  /** The same, each with what it includes (`SummaryBasis`: the read's snapshot), for the cache. */
  private async basedSummaries(userIds: readonly number[], now = new Date()): Promise<Map<number, Based<EarningsDataJson>>> {
    if (userIds.length === 0) return new Map();
    const currentEpoch = epochOf(now, this.config.earnings);
    const rows = await this.earnings.summaries(
      userIds,
      utcDayStart(now),
      epochStart(currentEpoch, this.config.earnings),
      epochStart(currentEpoch + 1, this.config.earnings),
    );
    // One statement, one snapshot; without one (not PostgreSQL's text), credits are not applied.
    const snapshot = parseSnapshot(rows[0]?.snapshot);
    const basis: SummaryBasis | undefined = snapshot === undefined ? undefined : { snapshot, applied: null };
    return new Map(rows.map((row) => [row.user_id, { value: toEarningsData(row, currentEpoch, now), basis }]));
  }

  async timeseries(
    userId: number,
    query: TimeseriesQuery,
  ): Promise<{ bucket: TimeseriesBucket; points: TimeseriesPointJson[] }> {
    const step = BUCKET_MS[query.bucket];
    const to = optionalDate(query.to) ?? new Date();
    const requestedFrom = optionalDate(query.from) ?? new Date(to.getTime() - DEFAULT_SPAN_BUCKETS[query.bucket] * step);
    if (requestedFrom >= to) throw rangeError();
    // Buckets are aligned to UTC hours or days; the first one contains `from`.
    const from = new Date(Math.floor(requestedFrom.getTime() / step) * step);
    if ((to.getTime() - from.getTime()) / step > MAX_BUCKETS) {
      throw DashboardError.validation(`At most ${MAX_BUCKETS} buckets per request`, [
        { field: 'from', problems: [`the range spans more than ${MAX_BUCKETS} ${query.bucket}s`] },
      ]);
    }
    const rows = await this.earnings.timeseries(userId, from, to, query.bucket);
    return { bucket: query.bucket, points: rows.map(toTimeseriesPoint) };
  }
}

function optionalDate(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

function rangeError(): DashboardError {
  return DashboardError.validation('from must be before to', [{ field: 'from', problems: ['from must be before to'] }]);
}
