import { useState } from 'preact/hooks';
import { userApi } from '../api/client';
import type { User } from '../api/types';
import { browserWallet, personalSign, requestAccount } from '../wallet/browser-wallet';
import { ErrorNote } from './ErrorNote';

interface Props {
  user: User | null;
  onSaved(user: User): void;
}

/**
 * Links the payout wallet by proving its key: the browser wallet (EIP-1193) shares its account,
 * signs the Sign-In with Ethereum message the API issues for it, and the API checks the signature.
 */
export function WalletForm({ user, onSaved }: Props) {
  const linked = user?.wallet_address ?? null;
  const [error, setError] = useState<unknown>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const provider = browserWallet();

  const link = async () => {
    if (provider === null) return;
    setError(null);
    setSuccess(null);
    setBusy(true);
    try {
      const address = await requestAccount(provider);
      const challenge = await userApi.walletChallenge({ address });
      const signature = await personalSign(provider, address, challenge.message);
      onSaved(await userApi.linkWallet({ message: challenge.message, signature }));
      setSuccess('Wallet linked.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="wallet-heading">
      <div class="card-head">
        <h2 id="wallet-heading">Payout wallet</h2>
      </div>
      <p class="muted small">
        {linked ? (
          <>
            Linked: <code class="mono break" data-testid="wallet-address">{linked}</code>
          </>
        ) : (
          <span data-testid="wallet-address">No wallet linked yet.</span>
        )}
      </p>
      {provider === null ? (
        <p class="muted small" data-testid="wallet-missing">
          No browser wallet found. Install one (any EIP-1193 wallet) to link a payout wallet by signing.
        </p>
      ) : (
        <button type="button" class="btn btn-primary" disabled={busy} data-testid="wallet-link" onClick={() => void link()}>
          {busy ? 'Waiting for the wallet…' : linked ? 'Link another wallet' : 'Link wallet'}
        </button>
      )}
      <p class="muted small">Your wallet asks you to sign a message; signing costs nothing and sends no transaction.</p>
      <ErrorNote error={error} testId="wallet-error" id="wallet-error" />
      {success && (
        <p class="note note-ok" role="status" data-testid="wallet-success">
          {success}
        </p>
      )}
    </section>
  );
}
