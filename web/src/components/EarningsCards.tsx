import type { EarningsData } from '../api/types';
import { formatDateTime } from '../format';
import { Stat } from './Stat';

export function EarningsCards({ earnings }: { earnings: EarningsData | null }) {
  const e = earnings;
  return (
    <section class="card" aria-labelledby="earnings-heading">
      <div class="card-head">
        <h2 id="earnings-heading">Earnings</h2>
        <span class="muted small" data-testid="earnings-updated-at">
          {e ? `Updated ${formatDateTime(e.updated_at)}` : 'Loading…'}
        </span>
      </div>
      <div class="stats stats-main">
        <Stat large label="Total points" value={e?.total} testId="total-points" />
        <Stat large label="Today (UTC)" value={e?.today} testId="today-points" />
        <Stat
          large
          label={
            <>
              Epoch <span data-testid="current-epoch">{e ? e.current_epoch : '…'}</span>
            </>
          }
          value={e?.epoch_total}
          testId="epoch-points"
        />
      </div>
      <div class="stats stats-sources">
        <Stat label="Network" accent="network" value={e?.by_source.network} testId="network-points" />
        <Stat label="Referral" accent="referral" value={e?.by_source.referral} testId="referral-points" />
        <Stat label="Bonus" accent="bonus" value={e?.by_source.bonus} testId="bonus-points" />
      </div>
    </section>
  );
}
