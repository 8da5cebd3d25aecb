import type { ReferralData } from '../api/types';
import type { DashboardState } from '../state/dashboard';
import { formatDate, formatInt, formatPoints } from '../format';
import { CopyButton } from './CopyButton';
import { ErrorNote } from './ErrorNote';

interface Props {
  referrals: ReferralData | null;
  /** Fallback while the referral summary loads. */
  userCode: string | null;
  referees: DashboardState['referees'];
  onMore(): void;
  onRetry(): void;
}

const COUNTS = [
  ['total', 'Total'],
  ['pending', 'Pending'],
  ['completed', 'Completed'],
  ['rewarded', 'Rewarded'],
] as const;

export function ReferralPanel({ referrals, userCode, referees, onMore, onRetry }: Props) {
  const code = referrals?.referral_code ?? userCode;
  const link = code ? `${location.origin}/?ref=${encodeURIComponent(code)}` : '';
  return (
    <section class="card" aria-labelledby="referrals-heading">
      <div class="card-head">
        <h2 id="referrals-heading">Referrals</h2>
        <span class="muted small">
          Referral points{' '}
          <strong
            data-testid="referral-summary-points"
            data-value={referrals ? String(referrals.points) : ''}
          >
            {referrals ? formatPoints(referrals.points) : '…'}
          </strong>
        </span>
      </div>

      <div class="referral-code-row">
        <div>
          <div class="muted small">Your code</div>
          <code class="referral-code" data-testid="referral-code">
            {code ?? '…'}
          </code>
        </div>
      </div>
      <label class="field">
        <span class="field-label">Invite link</span>
        <div class="input-row">
          <input
            class="input mono"
            type="text"
            readOnly
            value={link}
            data-testid="referral-link"
            onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
          />
          <CopyButton text={link} label="Copy invite link" testId="copy-referral-link" />
        </div>
      </label>

      <dl class="counts">
        {COUNTS.map(([key, label]) => (
          <div class={`count count-${key}`} key={key}>
            <dt>{label}</dt>
            <dd data-testid={`referral-count-${key}`} data-value={referrals ? String(referrals[key]) : ''}>
              {referrals ? formatInt(referrals[key]) : '…'}
            </dd>
          </div>
        ))}
      </dl>

      <h3 class="subhead">People you invited</h3>
      {referees.error && (
        <div class="inline-error">
          <ErrorNote error={referees.error} />
          <button type="button" class="btn btn-secondary" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
      {referees.items === null ? (
        !referees.error && <p class="muted">Loading referrals…</p>
      ) : referees.items.length === 0 ? (
        <p class="empty" data-testid="referrals-empty">
          No referrals yet — share your invite link. Friends who sign up with it appear here.
        </p>
      ) : (
        <>
          <ul class="referees" data-testid="referrals-list">
            {referees.items.map((r) => (
              <li class="referee" key={r.id} data-testid="referral-row" data-status={r.status} data-referee-id={String(r.referee_id)}>
                <span class="referee-name">{r.referee_username}</span>
                <span class={`badge badge-${r.status.toLowerCase()}`} data-testid="referral-status">
                  {r.status}
                </span>
                <span class="referee-points num" data-testid="referral-row-points" data-value={String(r.points)}>
                  {formatPoints(r.points)} pts
                </span>
                <span class="muted small referee-date">{formatDate(r.created_at)}</span>
              </li>
            ))}
          </ul>
          {referees.nextCursor && (
            <button type="button" class="btn btn-secondary btn-block" onClick={onMore} disabled={referees.loadingMore}>
              {referees.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
