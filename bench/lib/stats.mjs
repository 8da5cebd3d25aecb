/**
 * Latency histograms that merge across processes: log-spaced buckets (100 per decade, so any
 * percentile is within ~2.3 % of the true value) over 1 µs … 1000 s, kept as sparse counts.
 */
const PER_DECADE = 100;

export class Histogram {
  constructor() {
    /** bucket index → count */
    this.counts = new Map();
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }

  /** Records one value in milliseconds. */
  record(ms) {
    const us = Math.max(1, ms * 1000);
    const index = Math.floor(Math.log10(us) * PER_DECADE);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    this.count += 1;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other) {
    const counts = other instanceof Histogram ? other.counts : new Map(other.counts);
    for (const [index, count] of counts) this.counts.set(Number(index), (this.counts.get(Number(index)) ?? 0) + count);
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** Value (ms) at percentile p (0–100): the upper edge of the bucket holding it. */
  percentile(p) {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(index);
      if (seen >= rank) return Math.min(this.max, 10 ** ((index + 1) / PER_DECADE) / 1000);
    }
    return this.max;
  }

  get mean() {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  toJSON() {
    return { counts: [...this.counts], count: this.count, sum: this.sum, max: this.max };
  }

  static from(json) {
    return new Histogram().merge(json);
  }

  summary() {
    return { count: this.count, p50: this.percentile(50), p90: this.percentile(90), p99: this.percentile(99), max: this.max };
  }
}

export function median(values) {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Monotonic milliseconds shared by every process of this machine (CLOCK_MONOTONIC). */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function fmt(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}
