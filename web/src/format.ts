/** Display formatting. Raw values stay available to tests through `data-value` attributes. */

const pointsFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const smallFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });
const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Points: two to four decimals; tiny non-zero amounts keep up to six so they never read as 0.00. */
export function formatPoints(value: unknown): string {
  const n = toNumber(value);
  if (n !== 0 && Math.abs(n) < 0.01) return smallFmt.format(n);
  return pointsFmt.format(n);
}

export function formatInt(value: unknown): string {
  return intFmt.format(toNumber(value));
}

/** Uptime from seconds: "0s", "42s", "5m 07s", "3h 04m", "2d 05h". */
export function formatUptime(seconds: unknown): string {
  const s = Math.max(0, Math.floor(toNumber(seconds)));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${pad(h)}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

export function formatScore(score: unknown): string {
  return toNumber(score).toFixed(2);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function shortAddress(addr: string): string {
  return addr.length > 14 ? `${addr.slice(0, 8)}…${addr.slice(-6)}` : addr;
}
