import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { adminApi } from '../api/client';
import type { AdminUser, AdminUserPage } from '../api/types';
import { ErrorNote } from '../components/ErrorNote';
import { formatDate, formatPoints, shortAddress } from '../format';

const PAGE = 25;
const MAX_BONUS = 1_000_000;

/** Account state: disabled once an administrator disabled it (`disabled_at`). */
function statusOf(u: AdminUser): 'active' | 'disabled' {
  return u.disabled_at === null ? 'active' : 'disabled';
}

export function AdminView() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<AdminUserPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<AdminUser | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [disabled, setDisabled] = useState<Set<number>>(new Set());
  const [actionError, setActionError] = useState<unknown>(null);
  const [actionOk, setActionOk] = useState<string | null>(null);

  const load = async (search: string, cursor?: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const res = await adminApi.users({ q: search || undefined, limit: PAGE, cursor });
      setPage((prev) => (cursor && prev ? { items: [...prev.items, ...res.items], next_cursor: res.next_cursor } : res));
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(query);
  }, [query]);

  const disable = async (u: AdminUser) => {
    setActionError(null);
    setActionOk(null);
    try {
      await adminApi.disable(u.id);
      setDisabled((s) => new Set(s).add(u.id));
      setActionOk(`${u.username} is disabled: sessions revoked and sockets closed.`);
    } catch (err) {
      setActionError(err);
    } finally {
      setConfirming(null);
    }
  };

  return (
    <main class="grid" id="main" data-testid="admin-view">
      <section class="card span-all" aria-labelledby="admin-heading">
        <div class="card-head">
          <h1 id="admin-heading" class="h2">
            Users
          </h1>
        </div>
        <form
          class="input-row"
          role="search"
          data-testid="admin-search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(q.trim());
          }}
        >
          <label class="sr-only" for="admin-q">
            Search users by email or username
          </label>
          <input
            id="admin-q"
            class="input"
            type="search"
            placeholder="Search email or username"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
          <button type="submit" class="btn btn-primary">
            Search
          </button>
        </form>
        <ErrorNote error={error} testId="admin-error" />
        <ErrorNote error={actionError} testId="admin-action-error" />
        {actionOk && (
          <p class="note note-ok" role="status" data-testid="admin-action-ok">
            {actionOk}
          </p>
        )}
        {page === null ? (
          loading && <p class="muted">Loading users…</p>
        ) : page.items.length === 0 ? (
          <p class="empty">No users match “{query}”.</p>
        ) : (
          <div class="table-scroll">
            <table class="table table-stack" data-testid="admin-users-table">
              <caption class="sr-only">Users</caption>
              <thead>
                <tr>
                  <th scope="col">ID</th>
                  <th scope="col">Username</th>
                  <th scope="col">Email</th>
                  <th scope="col">Wallet</th>
                  <th scope="col">Joined</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((u) => {
                  const status = disabled.has(u.id) ? 'disabled' : statusOf(u);
                  return (
                    <tr key={u.id} data-testid="admin-user-row" data-user-id={String(u.id)}>
                      <td data-label="ID" class="mono">
                        {u.id}
                      </td>
                      <td data-label="Username">
                        {u.username}
                        {u.role === 'admin' && <span class="badge badge-role">admin</span>}
                      </td>
                      <td data-label="Email" class="break">
                        {u.email}
                      </td>
                      <td data-label="Wallet" class="mono">
                        {u.wallet_address ? shortAddress(u.wallet_address) : '—'}
                      </td>
                      <td data-label="Joined">{formatDate(u.created_at)}</td>
                      <td data-label="Status">
                        {status ? <span class={`badge badge-${status === 'disabled' ? 'offline' : 'online'}`}>{status}</span> : '—'}
                      </td>
                      <td data-label="Actions" class="actions">
                        <button
                          type="button"
                          class="btn btn-secondary"
                          data-testid="admin-bonus-open"
                          onClick={() => {
                            setSelected(u);
                            setActionOk(null);
                            setActionError(null);
                          }}
                        >
                          Bonus
                        </button>
                        {confirming === u.id ? (
                          <>
                            <ConfirmButton onConfirm={() => void disable(u)} />
                            <button type="button" class="btn btn-ghost" onClick={() => setConfirming(null)}>
                              Cancel
                            </button>
                          </>
                        ) : (
                          <button
                            type="button"
                            class="btn btn-danger-outline"
                            data-testid="admin-disable-button"
                            disabled={status === 'disabled'}
                            onClick={() => setConfirming(u.id)}
                          >
                            Disable
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {page?.next_cursor && (
          <button type="button" class="btn btn-secondary btn-block" disabled={loading} onClick={() => void load(query, page.next_cursor)}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
      {selected && (
        <BonusForm
          key={selected.id}
          user={selected}
          onClose={() => setSelected(null)}
          onDone={(msg) => {
            setActionOk(msg);
            setSelected(null);
          }}
        />
      )}
    </main>
  );
}

/**
 * The second step of "Disable". It replaces the button that was just pressed, so it takes the
 * focus (once, when it appears) or a keyboard user would be dropped back to the top of the page.
 */
function ConfirmButton({ onConfirm }: { onConfirm(): void }) {
  const button = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => button.current?.focus(), []);
  return (
    <button type="button" class="btn btn-danger" data-testid="admin-disable-confirm" ref={button} onClick={onConfirm}>
      Confirm disable
    </button>
  );
}

function BonusForm({ user, onClose, onDone }: { user: AdminUser; onClose(): void; onDone(msg: string): void }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const amountInput = useRef<HTMLInputElement>(null);

  // `autofocus` is ignored when the page already has a focused element (the Bonus button that
  // opened this form), so keyboard users would be left behind in the table: move focus here.
  useLayoutEffect(() => amountInput.current?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const n = Number(amount);
    if (!amount.trim() || !Number.isFinite(n) || n <= 0 || n > MAX_BONUS) {
      setError(`Amount must be a number above 0 and at most ${MAX_BONUS.toLocaleString()}.`);
      return;
    }
    if (!/^\d+(\.\d{1,6})?$/.test(amount.trim())) {
      setError('Amount allows at most 6 decimals.');
      return;
    }
    if (!reason.trim()) {
      setError('Give a reason; it is recorded with the bonus.');
      return;
    }
    setBusy(true);
    try {
      const row = await adminApi.bonus(user.id, { amount: n, reason: reason.trim() });
      onDone(`Credited ${formatPoints(row?.amount ?? n)} bonus points to ${user.username}.`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section class="card span-all" aria-labelledby="bonus-heading">
      <div class="card-head">
        <h2 id="bonus-heading">Bonus for {user.username}</h2>
        <button type="button" class="btn btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <form data-testid="admin-bonus-form" onSubmit={submit} noValidate class="form-grid">
        <label class="field">
          <span class="field-label">Amount (points)</span>
          <input
            class="input"
            type="text"
            inputMode="decimal"
            name="amount"
            ref={amountInput}
            value={amount}
            onInput={(e) => setAmount(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="field-label">Reason</span>
          <input class="input" type="text" name="reason" maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? 'Crediting…' : 'Credit bonus'}
          </button>
        </div>
        <ErrorNote error={error} testId="admin-bonus-error" />
      </form>
    </section>
  );
}
