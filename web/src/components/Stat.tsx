import type { ComponentChildren } from 'preact';
import { formatPoints } from '../format';

interface Props {
  label: ComponentChildren;
  value: number | null | undefined;
  testId: string;
  hint?: ComponentChildren;
  accent?: 'network' | 'referral' | 'bonus';
  large?: boolean;
}

/** One figure. The formatted number is the text; the raw API value is `data-value`. */
export function Stat({ label, value, testId, hint, accent, large }: Props) {
  const loading = value === null || value === undefined;
  return (
    <div class={`stat${large ? ' stat-large' : ''}${accent ? ` stat-${accent}` : ''}`}>
      <div class="stat-label">{label}</div>
      <div class="stat-value" data-testid={testId} data-value={loading ? '' : String(value)} aria-busy={loading}>
        {loading ? <span class="skeleton" aria-label="Loading">&nbsp;</span> : formatPoints(value)}
      </div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  );
}
