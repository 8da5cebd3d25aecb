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
 * hot path (`add`) does no I/O and allocates only when a node starts a new bucket. Its size is
 * bounded by nodes × buckets, whatever the heartbeat rate, so it also holds accruals through a
 * database outage without growing per heartbeat.
 */
export class AccrualBuffer {
  private entries = new Map<string, AccrualEntry>();

  get size(): number {
    return this.entries.size;
  }

  add(nodeId: number, userId: number, bucketMs: number, seconds: number, micro: number, score: number, nowMs: number): void {
    const key = `${nodeId}:${bucketMs}`;
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { nodeId, userId, bucketMs, seconds, micro, score, lastSeenMs: nowMs });
      return;
    }
    entry.seconds += seconds;
    entry.micro += micro;
    entry.score = score;
    entry.lastSeenMs = nowMs;
  }

  /** Takes everything buffered, leaving the buffer empty. */
  drain(): AccrualEntry[] {
    const entries = [...this.entries.values()];
    this.entries = new Map();
    return entries;
  }

  /**
   * Puts back entries of a write known not to have happened, merged with anything added since
   * (newer score and last-seen win).
   */
  restore(entries: readonly AccrualEntry[]): void {
    for (const entry of entries) {
      const key = `${entry.nodeId}:${entry.bucketMs}`;
      const current = this.entries.get(key);
      if (current === undefined) {
        this.entries.set(key, { ...entry });
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
}
