import { EarningsCards } from '../components/EarningsCards';
import { EarningsChart } from '../components/EarningsChart';
import { ErrorNote } from '../components/ErrorNote';
import { NetworksTable } from '../components/NetworksTable';
import { PayoutsPanel } from '../components/PayoutsPanel';
import { ReferralPanel } from '../components/ReferralPanel';
import { WalletForm } from '../components/WalletForm';
import { dashboard, loadAll, loadReferees, loadSeries, setUser } from '../state/dashboard';
import { useStore } from '../state/store';

export function DashboardView() {
  const s = useStore(dashboard);
  return (
    <div class="grid" data-testid="dashboard-view">
      {s.loadError && (
        <div class="span-all inline-error">
          <ErrorNote error={s.loadError} testId="dashboard-error" />
          <button type="button" class="btn btn-secondary" onClick={loadAll}>
            Retry
          </button>
        </div>
      )}
      <div class="span-all">
        <EarningsCards earnings={s.earnings} />
      </div>
      <div class="span-all">
        <EarningsChart
          bucket={s.series.bucket}
          data={s.series.data}
          loading={s.series.loading}
          error={s.series.error}
          onBucket={(b) => loadSeries(b)}
        />
      </div>
      <div class="span-all">
        <NetworksTable networks={s.networks} />
      </div>
      <ReferralPanel
        referrals={s.referrals}
        userCode={s.user?.referral_code ?? null}
        referees={s.referees}
        onMore={() => loadReferees(true)}
        onRetry={() => loadReferees()}
      />
      <WalletForm user={s.user} onSaved={setUser} />
      <PayoutsPanel />
    </div>
  );
}
