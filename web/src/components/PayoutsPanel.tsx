import { useEffect, useState } from 'preact/hooks';
import { settlementApi } from '../api/client';
import { onSettlementUpdate, type SettlementEpoch, upsertEpoch } from '../state/payouts';
import { CopyButton } from './CopyButton';
import { ErrorNote } from './ErrorNote';

type Proof = { epoch: number; root: string; account: string; amount: string; proof: string[] };

const STATUS_TEXT: Record<SettlementEpoch['status'], string> = {
  settled: 'settled',
  publishing: 'publishing…',
  published: 'published',
};

/**
 * Settled epochs with the user's cumulative amount (token units, exact: a decimal string), where
 * each root stands on chain (its transaction), and the proof to claim with; live through
 * SettlementUpdate frames.
 */
export function PayoutsPanel() {
  const [epochs, setEpochs] = useState<SettlementEpoch[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [proof, setProof] = useState<Proof | null>(null);
  const [proofError, setProofError] = useState<unknown>(null);

  useEffect(() => {
    let alive = true;
    settlementApi
      .epochs()
      .then((page) => alive && setEpochs((current) => (current ?? []).reduce(upsertEpoch, page.items)))
      .catch((err: unknown) => alive && setError(err));
    const off = onSettlementUpdate((epoch) => setEpochs((current) => upsertEpoch(current ?? [], epoch)));
    return () => {
      alive = false;
      off();
    };
  }, []);

  const showProof = async (epoch: number) => {
    setProofError(null);
    try {
      setProof(await settlementApi.proof(epoch));
    } catch (err) {
      setProof(null);
      setProofError(err);
    }
  };

  return (
    <section class="card span-all" aria-labelledby="payouts-heading" data-testid="payouts-panel">
      <div class="card-head">
        <h2 id="payouts-heading">Payouts</h2>
        <span class="muted small">Cumulative amounts per closed epoch, in token units; claim with the newest proof.</span>
      </div>
      <ErrorNote error={error} testId="payouts-error" />
      {epochs === null && !error && <p class="muted small">Loading…</p>}
      {epochs !== null && epochs.length === 0 && (
        <p class="muted small" data-testid="payouts-empty">
          No epoch has been settled yet.
        </p>
      )}
      {epochs !== null && epochs.length > 0 && (
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Epoch</th>
                <th scope="col">Your amount</th>
                <th scope="col">Status</th>
                <th scope="col">Transaction</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {epochs.map((epoch) => (
                <tr key={epoch.epoch} data-testid="payout-row" data-epoch={String(epoch.epoch)} data-status={epoch.status}>
                  <td>{epoch.epoch}</td>
                  <td class="mono break" data-testid="payout-amount">
                    {epoch.amount}
                  </td>
                  <td data-testid="payout-status">{STATUS_TEXT[epoch.status]}</td>
                  <td class="mono break" data-testid="payout-tx">
                    {epoch.tx_url !== null && epoch.tx_hash !== null ? (
                      <a href={epoch.tx_url} target="_blank" rel="noopener noreferrer">
                        {epoch.tx_hash}
                      </a>
                    ) : (
                      (epoch.tx_hash ?? '—')
                    )}
                  </td>
                  <td>
                    {epoch.claimable && (
                      <button type="button" class="btn btn-ghost" data-testid="payout-proof-button" onClick={() => void showProof(epoch.epoch)}>
                        Proof
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNote error={proofError} testId="payout-proof-error" />
      {proof && (
        <div data-testid="payout-proof" data-epoch={String(proof.epoch)}>
          <p class="muted small">
            claim(account, amount, proof) on the distributor, for epoch {proof.epoch}:
          </p>
          <pre class="mono break small" data-testid="payout-proof-json">
            {JSON.stringify({ account: proof.account, amount: proof.amount, proof: proof.proof }, null, 2)}
          </pre>
          <CopyButton text={JSON.stringify(proof)} label="Copy proof" testId="payout-proof-copy" />
        </div>
      )}
    </section>
  );
}
