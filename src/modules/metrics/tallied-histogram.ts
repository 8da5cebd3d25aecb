import { Metric, register } from 'prom-client';

/** One exposed sample, as prom-client's registry reads it from a metric's `get()`. */
interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/**
 * A histogram without labels, observed in plain numbers: `observe` finds the bucket and adds to
 * it, allocating nothing. prom-client's `Histogram#observe` builds a label object, a hash string
 * and a closure per call (~3× the CPU, and garbage the young generation must collect); a node
 * socket's every heartbeat and pong is observed, tens of thousands a second. The registry reads
 * this at each scrape (`get`) in prom-client's histogram shape, so what Prometheus sees is the
 * same: cumulative `_bucket{le}` counts, `+Inf`, `_sum` and `_count`.
 */
export class TalliedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Observations per bucket (not cumulative); the last one is above every bound (`+Inf`). */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  /** Counts `value` (seconds, say); a value that is not a finite number is ignored (prom-client would throw). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]! += 1;
    this.sum += value;
    this.count += 1;
  }

  get(): Promise<{ name: string; help: string; type: 'histogram'; values: Sample[]; aggregator: 'sum' }> {
    const values: Sample[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((le, bucket) => {
      cumulative += this.counts[bucket]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push(
      { metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.count },
    );
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * The process's histogram registered under `name`, made the first time (tests start several apps
 * in one process; prom-client refuses a second registration of a name).
 */
export function talliedHistogram(name: string, help: string, upperBounds: readonly number[]): TalliedHistogram {
  const registered = register.getSingleMetric(name) as unknown;
  if (registered instanceof TalliedHistogram) return registered;
  const created = new TalliedHistogram(name, help, upperBounds);
  register.registerMetric(created as unknown as Metric);
  return created;
}
