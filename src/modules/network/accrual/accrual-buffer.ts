/** One node's accrual in one ledger bucket, not yet written (a row of AccrualColumns, for tests and merges). */
export interface AccrualEntry {
  readonly nodeId: number;
  readonly userId: number;
  /** Start of the ledger bucket (ms) the accrual belongs to. */
  readonly bucketMs: number;
  /** Credited seconds of uptime. */
  readonly seconds: number;
  /** Points, in integer micro-points (a safe integer: far below 2^53 per node and bucket). */
  readonly micro: number;
  /** Latest network score. */
  readonly score: number;
  /** Latest heartbeat (ms). */
  readonly lastSeenMs: number;
}

/** Room for this many rows before the first growth (a buffer then keeps the size of its last drain). */
const INITIAL_CAPACITY = 1_024;

/**
 * Accruals as columns, one row per (node, bucket): typed arrays grown by doubling, so a row costs
 * no object on the heap. Rows that live from a node's first heartbeat of a flush window to the
 * flush would otherwise each be an object (and boxed numbers) copied by every scavenge in between
 * and promoted: at 15,000 nodes, ~0.5 MB/s of the service's surviving garbage.
 */
export class AccrualColumns {
  length = 0;
  nodeIds: Float64Array;
  userIds: Float64Array;
  bucketMs: Float64Array;
  seconds: Float64Array;
  micro: Float64Array;
  scores: Float64Array;
  lastSeenMs: Float64Array;

  constructor(capacity = INITIAL_CAPACITY) {
    const size = Math.max(1, capacity);
    this.nodeIds = new Float64Array(size);
    this.userIds = new Float64Array(size);
    this.bucketMs = new Float64Array(size);
    this.seconds = new Float64Array(size);
    this.micro = new Float64Array(size);
    this.scores = new Float64Array(size);
    this.lastSeenMs = new Float64Array(size);
  }

  /** Appends a row; returns its index. */
  append(nodeId: number, userId: number, bucketMs: number, seconds: number, micro: number, score: number, lastSeenMs: number): number {
    if (this.length === this.nodeIds.length) this.grow();
    const row = this.length++;
    this.nodeIds[row] = nodeId;
    this.userIds[row] = userId;
    this.bucketMs[row] = bucketMs;
    this.seconds[row] = seconds;
    this.micro[row] = micro;
    this.scores[row] = score;
    this.lastSeenMs[row] = lastSeenMs;
    return row;
  }

  /** Adds uptime and points to an existing row, and sets its score and last-seen time. */
  accumulate(row: number, seconds: number, micro: number, score: number, lastSeenMs: number): void {
    this.seconds[row] += seconds;
    this.micro[row] += micro;
    this.scores[row] = score;
    this.lastSeenMs[row] = lastSeenMs;
  }

  /** Adds another row's uptime and points to `row`; the later heartbeat's score and time win. */
  merge(row: number, seconds: number, micro: number, score: number, lastSeenMs: number): void {
    if (lastSeenMs >= this.lastSeenMs[row]!) this.accumulate(row, seconds, micro, score, lastSeenMs);
    else this.accumulate(row, seconds, micro, this.scores[row]!, this.lastSeenMs[row]!);
  }

  entry(row: number): AccrualEntry {
    return {
      nodeId: this.nodeIds[row]!,
      userId: this.userIds[row]!,
      bucketMs: this.bucketMs[row]!,
      seconds: this.seconds[row]!,
      micro: this.micro[row]!,
      score: this.scores[row]!,
      lastSeenMs: this.lastSeenMs[row]!,
    };
  }

  /** The rows as objects (tests and logs). */
  entries(): AccrualEntry[] {
    return Array.from({ length: this.length }, (_, row) => this.entry(row));
  }

  private grow(): void {
    const capacity = this.nodeIds.length * 2;
    const grown = (column: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(column);
      return next;
    };
    this.nodeIds = grown(this.nodeIds);
    this.userIds = grown(this.userIds);
    this.bucketMs = grown(this.bucketMs);
    this.seconds = grown(this.seconds);
    this.micro = grown(this.micro);
    this.scores = grown(this.scores);
    this.lastSeenMs = grown(this.lastSeenMs);
  }
}

/**
 * Accruals from heartbeats, summed per (node, ledger bucket) in memory until the next flush. The
 * hot path (`add`) does no I/O and allocates nothing per heartbeat: a row is found by number
 * (bucket, then node id → row index, small integers in a Map) and kept in AccrualColumns. Its size
 * is bounded by nodes × buckets, whatever the heartbeat rate, so it also holds accruals through a
 * database outage without growing per heartbeat.
 */
export class AccrualBuffer {
  private columns = new AccrualColumns();
  /**
   * By bucket start (one or two buckets between flushes), then node id → row. An entry may be
   * stale (a row of columns already drained): `currentRow` checks it.
   */
  private rows = new Map<number, Map<number, number>>();
  /** The bucket of the last `add` and its rows (nearly every heartbeat of a window shares it). */
  private lastBucketMs = Number.NaN;
  private lastBucketRows: Map<number, number> | null = null;

  get size(): number {
    return this.columns.length;
  }

  add(nodeId: number, userId: number, bucketMs: number, seconds: number, micro: number, score: number, nowMs: number): void {
    const rows = this.rowsOf(bucketMs);
    const row = this.currentRow(rows, nodeId, bucketMs);
    if (row === -1) rows.set(nodeId, this.columns.append(nodeId, userId, bucketMs, seconds, micro, score, nowMs));
    else this.columns.accumulate(row, seconds, micro, score, nowMs);
  }

  /**
   * Takes everything buffered, leaving the buffer empty; the next columns start at the size of
   * these (a steady fleet never grows them again). The current bucket's node → row map is kept:
   * its entries now point at rows of drained columns, which `currentRow` tells from the new
   * columns' own, so the next window updates entries in place instead of growing a new map.
   */
  drain(): AccrualColumns {
    const drained = this.columns;
    this.columns = new AccrualColumns(Math.max(INITIAL_CAPACITY, drained.length));
    this.rows = new Map();
    if (this.lastBucketRows !== null) this.rows.set(this.lastBucketMs, this.lastBucketRows);
    return drained;
  }

  /**
   * Puts back rows of a write known not to have happened, merged with anything added since
   * (newer score and last-seen win).
   */
  restore(drained: AccrualColumns): void {
    for (let i = 0; i < drained.length; i++) {
      const rows = this.rowsOf(drained.bucketMs[i]!);
      const nodeId = drained.nodeIds[i]!;
      const row = this.currentRow(rows, nodeId, drained.bucketMs[i]!);
      const seconds = drained.seconds[i]!;
      const micro = drained.micro[i]!;
      const score = drained.scores[i]!;
      const lastSeenMs = drained.lastSeenMs[i]!;
      if (row === -1) rows.set(nodeId, this.columns.append(nodeId, drained.userIds[i]!, drained.bucketMs[i]!, seconds, micro, score, lastSeenMs));
      else this.columns.merge(row, seconds, micro, score, lastSeenMs);
    }
  }

  /** The node's row of this bucket in the current columns, or -1 (none yet, or the map's entry is from an earlier window). */
  private currentRow(rows: Map<number, number>, nodeId: number, bucketMs: number): number {
    const row = rows.get(nodeId);
    if (row === undefined || row >= this.columns.length) return -1;
    return this.columns.nodeIds[row] === nodeId && this.columns.bucketMs[row] === bucketMs ? row : -1;
  }

  private rowsOf(bucketMs: number): Map<number, number> {
    if (bucketMs === this.lastBucketMs && this.lastBucketRows !== null) return this.lastBucketRows;
    let rows = this.rows.get(bucketMs);
    if (rows === undefined) {
      rows = new Map();
      this.rows.set(bucketMs, rows);
    }
    this.lastBucketMs = bucketMs;
    this.lastBucketRows = rows;
    return rows;
  }
}
