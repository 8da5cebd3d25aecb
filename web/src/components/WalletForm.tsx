import { useEffect, useState } from 'preact/hooks';
import { userApi } from '../api/client';
import type { User } from '../api/types';
import { ErrorNote } from './ErrorNote';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const LOCAL_ERROR = 'A wallet address is 0x followed by 40 hexadecimal characters.';

interface Props {
  user: User | null;
  onSaved(user: User): void;
}

/** Links (PATCH wallet_address) or unlinks (null) the payout wallet. The server enforces EIP-55 checksums. */
export function WalletForm({ user, onSaved }: Props) {
  const linked = user?.wallet_address ?? null;
  const [value, setValue] = useState(linked ?? '');
  const [error, setError] = useState<unknown>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => setValue(linked ?? ''), [linked]);

  const save = async (wallet: string | null) => {
    setError(null);
    setSuccess(null);
    if (wallet !== null && !ADDRESS.test(wallet)) {
      setError(LOCAL_ERROR);
      return;
    }
    setBusy(true);
    try {
      const updated = await userApi.update({ wallet_address: wallet });
      onSaved(updated);
      setSuccess(wallet === null ? 'Wallet unlinked.' : 'Wallet linked.');
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
      <form
        data-testid="wallet-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save(value.trim());
        }}
      >
        <label class="field" for="wallet-input">
          <span class="field-label">Wallet address</span>
        </label>
        <div class="input-row">
          <input
            id="wallet-input"
            name="wallet_address"
            class="input mono"
            type="text"
            inputMode="text"
            autoComplete="off"
            spellcheck={false}
            placeholder="0x…"
            value={value}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'wallet-error' : 'wallet-hint'}
            onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="wallet-submit">
            {busy ? 'Saving…' : linked ? 'Update' : 'Link wallet'}
          </button>
        </div>
        <p id="wallet-hint" class="muted small">
          0x followed by 40 hex characters. Mixed-case addresses must carry a valid EIP-55 checksum.
        </p>
        {linked && (
          <button type="button" class="btn btn-ghost" disabled={busy} data-testid="wallet-unlink" onClick={() => void save(null)}>
            Unlink wallet
          </button>
        )}
        <ErrorNote error={error} testId="wallet-error" id="wallet-error" />
        {success && (
          <p class="note note-ok" role="status" data-testid="wallet-success">
            {success}
          </p>
        )}
      </form>
    </section>
  );
}
