import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Bucket, Timeseries } from '../api/types';
import { formatPoints, toNumber } from '../format';

interface Props {
  bucket: Bucket;
  data: Timeseries | null;
  loading: boolean;
  error: string | null;
  onBucket(bucket: Bucket): void;
}

const BUCKET_SECONDS: Record<Bucket, number> = { hour: 3_600, day: 86_400 };
const SOURCES = [
  { key: 'network', label: 'Network', css: '--c-network' },
  { key: 'referral', label: 'Referral', css: '--c-referral' },
  { key: 'bonus', label: 'Bonus', css: '--c-bonus' },
] as const;

interface Prepared {
  xs: number[];
  raw: Record<'network' | 'referral' | 'bonus', number[]>;
  /** Cumulative tops for stacking: network, network+referral, network+referral+bonus. */
  stacked: [number[], number[], number[]];
  totals: Record<'network' | 'referral' | 'bonus', number>;
  /** All sources over the period, rounded to micro-points (the API's precision). */
  total: number;
  empty: boolean;
}

function prepare(data: Timeseries | null): Prepared {
  const points = data?.points ?? [];
  const xs = points.map((p) => Date.parse(p.t) / 1000);
  const network = points.map((p) => toNumber(p.network));
  const referral = points.map((p) => toNumber(p.referral));
  const bonus = points.map((p) => toNumber(p.bonus));
  const s1 = network;
  const s2 = s1.map((v, i) => v + referral[i]);
  const s3 = s2.map((v, i) => v + bonus[i]);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const totals = { network: sum(network), referral: sum(referral), bonus: sum(bonus) };
  return {
    xs,
    raw: { network, referral, bonus },
    stacked: [s1, s2, s3],
    totals,
    total: Math.round((totals.network + totals.referral + totals.bonus) * 1e6) / 1e6,
    empty: points.length === 0 || s3.every((v) => v === 0),
  };
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function chartHeight(width: number): number {
  return width < 500 ? 200 : 260;
}

/** Earnings per bucket as stacked bars (Network at the bottom, then Referral, then Bonus). */
export function EarningsChart({ bucket, data, loading, error, onBucket }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hoverIdx, setHoverIdx] = useState<number | null>(null);
  const [scheme, setScheme] = useState(0);
  const prepared = useMemo(() => prepare(data), [data]);
  const preparedRef = useRef(prepared);
  preparedRef.current = prepared;

  // Re-create the plot when the palette changes (light/dark) or the bucket size changes the x padding.
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setScheme((n) => n + 1);
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const half = BUCKET_SECONDS[bucket] / 2;
    const axisColor = cssVar('--muted');
    const gridColor = cssVar('--grid');
    // Drawn in order, so the tallest (cumulative) series goes first and Network last, on top.
    const layers = [...SOURCES].reverse();
    const opts: uPlot.Options = {
      width,
      height: chartHeight(width),
      // Daily buckets are UTC days (like "Today (UTC)"): label them in UTC, or west of Greenwich
      // every bar would carry the previous day's date.
      ...(bucket === 'day' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => [min - half, max + half] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor },
          size: 56,
          values: (_u, splits) => splits.map((v) => formatPoints(v).replace(/\.0+$/, '')),
        },
      ],
      series: [
        {},
        ...layers.map((s) => ({
          label: s.label,
          stroke: cssVar(s.css),
          fill: cssVar(s.css),
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.75, 48], gap: 1 }),
          points: { show: false },
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            setHoverIdx(idx === undefined || idx === null ? null : idx);
          },
        ],
      },
    };
    const p = preparedRef.current;
    const u = new uPlot(opts, [p.xs, p.stacked[2], p.stacked[1], p.stacked[0]], el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: chartHeight(w) });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [bucket, scheme]);

  useEffect(() => {
    const p = prepared;
    plot.current?.setData([p.xs, p.stacked[2], p.stacked[1], p.stacked[0]]);
  }, [prepared]);

  const hovered = hoverIdx !== null && hoverIdx < prepared.xs.length ? hoverIdx : null;
  const legendValues = (key: 'network' | 'referral' | 'bonus') =>
    hovered === null ? prepared.totals[key] : prepared.raw[key][hovered];
  const legendTitle =
    hovered === null
      ? bucket === 'hour'
        ? 'Last 24 hours'
        : 'Last 30 days'
      : new Date(prepared.xs[hovered] * 1000).toLocaleString(undefined, {
          month: 'short',
          day: 'numeric',
          ...(bucket === 'hour' ? { hour: '2-digit', minute: '2-digit' } : { timeZone: 'UTC' }),
        });

  return (
    <section class="card" aria-labelledby="chart-heading">
      <div class="card-head">
        <h2 id="chart-heading">Earnings over time</h2>
        <div class="segmented" role="group" aria-label="Bucket size">
          {(['hour', 'day'] as const).map((b) => (
            <button
              key={b}
              type="button"
              class="seg"
              aria-pressed={bucket === b}
              data-testid={`chart-bucket-${b}`}
              onClick={() => onBucket(b)}
            >
              {b === 'hour' ? 'Hourly' : 'Daily'}
            </button>
          ))}
        </div>
      </div>
      <div class="chart-legend" aria-live="off">
        <span class="muted" data-testid="chart-legend-title">
          {legendTitle}
        </span>
        {SOURCES.map((s) => (
          <span class="legend-item" key={s.key}>
            <span class={`swatch swatch-${s.key}`} aria-hidden="true" />
            {s.label} <strong>{formatPoints(legendValues(s.key))}</strong>
          </span>
        ))}
      </div>
      <div class="chart-wrap">
        <div
          ref={host}
          class="chart"
          data-testid="earnings-chart"
          data-bucket={bucket}
          data-points={String(prepared.xs.length)}
          data-total={String(prepared.total)}
          role="img"
          aria-label={`Earnings per ${bucket}: network ${formatPoints(prepared.totals.network)}, referral ${formatPoints(
            prepared.totals.referral,
          )}, bonus ${formatPoints(prepared.totals.bonus)} points in the period shown`}
        />
        {error ? (
          <div class="chart-overlay" role="alert">
            {error}
          </div>
        ) : loading && !data ? (
          <div class="chart-overlay">Loading chart…</div>
        ) : prepared.empty ? (
          <div class="chart-overlay" data-testid="chart-empty">
            No earnings in this period yet — points show up here as your nodes earn.
          </div>
        ) : null}
      </div>
    </section>
  );
}
