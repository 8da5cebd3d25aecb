import { Histogram, Metric, Registry } from 'prom-client';
import { TalliedHistogram } from './tallied-histogram';

const BOUNDS = [0.001, 0.01, 0.1, 1, 10];

/** The text a scrape shows of each metric, registered alone in a registry of its own. */
async function exposition(metric: TalliedHistogram | Histogram): Promise<string> {
  const registry = new Registry();
  registry.registerMetric(metric as unknown as Metric);
  return registry.metrics();
}

describe('TalliedHistogram', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const tallied = new TalliedHistogram('rtt_seconds', 'Round trips', BOUNDS);
    const reference = new Histogram({ name: 'rtt_seconds', help: 'Round trips', buckets: BOUNDS, registers: [] });
    // On a bound, between bounds, below the first and above the last.
    for (const value of [0, 0.001, 0.0015, 0.01, 0.5, 1, 9.99, 10, 10.01, 3600]) {
      tallied.observe(value);
      reference.observe(value);
    }

    const text = await exposition(tallied);
    expect(text).toBe(await exposition(reference));
    expect(text).toContain('rtt_seconds_bucket{le="0.001"} 2');
    expect(text).toContain('rtt_seconds_bucket{le="10"} 8');
    expect(text).toContain('rtt_seconds_bucket{le="+Inf"} 10');
    expect(text).toContain('rtt_seconds_count 10');
  });

  it('exposes zeros before the first observation, as a label-less prom-client histogram does', async () => {
    const tallied = new TalliedHistogram('gap_seconds', 'Gaps', BOUNDS);
    const reference = new Histogram({ name: 'gap_seconds', help: 'Gaps', buckets: BOUNDS, registers: [] });

    expect(await exposition(tallied)).toBe(await exposition(reference));
  });

  it('ignores a value that is not a finite number and keeps counting the rest', async () => {
    const tallied = new TalliedHistogram('gap_seconds', 'Gaps', BOUNDS);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) tallied.observe(bad);
    tallied.observe(0.5);

    const text = await exposition(tallied);
    expect(text).toContain('gap_seconds_count 1');
    expect(text).toContain('gap_seconds_sum 0.5');
  });

  it('starts from zero again on reset (the registry’s resetMetrics)', async () => {
    const tallied = new TalliedHistogram('gap_seconds', 'Gaps', BOUNDS);
    const registry = new Registry();
    registry.registerMetric(tallied as unknown as Metric);
    tallied.observe(2);
    registry.resetMetrics();
    tallied.observe(0.05);

    const json = await registry.getMetricsAsJSON();
    const values = json[0]!.values.map((sample) => [(sample as { metricName?: string }).metricName, sample.labels.le, sample.value]);
    expect(values).toContainEqual(['gap_seconds_bucket', 1, 1]);
    expect(values).toContainEqual(['gap_seconds_bucket', 0.01, 0]);
    expect(values).toContainEqual(['gap_seconds_sum', undefined, 0.05]);
  });
});
