/** One node's accrual in one ledger bucket, not yet written. */
export interface AccrualEntry {
  readonly nodeId: number;
  readonly userId: number;
  /** Start of the ledger bucket (ms) the accrual belongs to. */
  readonly bucketMs: number;
  /** Credited seconds of uptime. */
  seconds: number;
  /** Points, in integer micro-points (a safe integer: far below 2^53 per node and bucket). */
  micro: number;
  /** Latest network score. */
  score: number;
  /** Latest heartbeat (ms). */
  lastSeenMs: number;
}

/**
 * Accruals from heartbeats, summed per (node, ledger bucket) in memory until the next flush. The
 * hot path (`add`) does no I/O and allocates only when a node starts a new bucket (entries are
 * found by number, bucket then node: no key string per heartbeat). Its size is bounded by
 * nodes × buckets, whatever the heartbeat rate, so it also holds accruals through a database
 * outage without growing per heartbeat.
 */
export class AccrualBuffer {
  /** By bucket start (one or two buckets between flushes), then by node id. */
  private buckets = new Map<number, Map<number, AccrualEntry>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(nodeId: number, userId: number, bucketMs: number, seconds: number, micro: number, score: number, nowMs: number): void {
    const nodes = this.nodesOf(bucketMs);
    const entry = nodes.get(nodeId);
    if (entry === undefined) {
      nodes.set(nodeId, { nodeId, userId, bucketMs, seconds, micro, score, lastSeenMs: nowMs });
      this.count += 1;
      return;
    }
    entry.seconds += seconds;
    entry.micro += micro;
    entry.score = score;
    entry.lastSeenMs = nowMs;
  }

  /** Takes everything buffered, leaving the buffer empty. */
  drain(): AccrualEntry[] {
    const entries: AccrualEntry[] = [];
    for (const nodes of this.buckets.values()) for (const entry of nodes.values()) entries.push(entry);
    this.buckets = new Map();
    this.count = 0;
    return entries;
  }

  /**
   * Puts back entries of a write known not to have happened, merged with anything added since
   * (newer score and last-seen win).
   */
  restore(entries: readonly AccrualEntry[]): void {
    for (const entry of entries) {
      const nodes = this.nodesOf(entry.bucketMs);
      const current = nodes.get(entry.nodeId);
      if (current === undefined) {
        nodes.set(entry.nodeId, { ...entry });
        this.count += 1;
        continue;
      }
      current.seconds += entry.seconds;
      current.micro += entry.micro;
      if (entry.lastSeenMs > current.lastSeenMs) {
        current.lastSeenMs = entry.lastSeenMs;
        current.score = entry.score;
      }
    }
  }

  private nodesOf(bucketMs: number): Map<number, AccrualEntry> {
    let nodes = this.buckets.get(bucketMs);
    if (nodes === undefined) {
      nodes = new Map();
      this.buckets.set(bucketMs, nodes);
    }
    return nodes;
  }
}
