import { useEffect, useState } from 'preact/hooks';
import { notificationsApi } from '../api/client';
import { ApiError } from '../api/http';
import type { Preference, WebhookDelivery, WebhookEndpoint } from '../api/types';
import { CopyButton } from '../components/CopyButton';
import { ErrorNote } from '../components/ErrorNote';
import { formatDateTime } from '../format';
import { TYPE_LABELS } from '../notification-text';

const CHANNELS = [
  ['in_app', 'In app'],
  ['webhook', 'Webhook'],
  ['email', 'Email'],
] as const;

/** Preferences per type and channel, and the webhook endpoint (secret shown once, test event, deliveries). */
export function NotificationSettingsView() {
  return (
    <div class="grid" data-testid="notification-settings">
      <PreferencesCard />
      <WebhookCard />
    </div>
  );
}

function PreferencesCard() {
  const [preferences, setPreferences] = useState<Preference[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState<string | null>(null);

  useEffect(() => {
    notificationsApi.preferences().then((r) => setPreferences(r.preferences), setError);
  }, []);

  const toggle = async (type: Preference['type'], channel: (typeof CHANNELS)[number][0], value: boolean) => {
    const before = preferences;
    // Shown at once; the server's answer (or the old state, on failure) replaces it.
    setPreferences((list) => list?.map((p) => (p.type === type ? { ...p, [channel]: value } : p)) ?? null);
    setSaving(`${type}:${channel}`);
    setError(null);
    try {
      setPreferences((await notificationsApi.updatePreferences([{ type, [channel]: value }])).preferences);
    } catch (err) {
      setPreferences(before);
      setError(err);
    } finally {
      setSaving(null);
    }
  };

  return (
    <section class="card span-all" aria-labelledby="prefs-heading">
      <div class="card-head">
        <h2 id="prefs-heading">What to tell you, and how</h2>
      </div>
      <ErrorNote error={error} testId="preferences-error" />
      {preferences === null ? (
        <p class="muted small">Loading…</p>
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="preferences-table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                {CHANNELS.map(([, label]) => (
                  <th scope="col" key={label}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preferences.map((p) => (
                <tr key={p.type} data-type={p.type}>
                  <th scope="row">
                    {TYPE_LABELS[p.type] ?? p.type} <span class="muted small mono">{p.type}</span>
                  </th>
                  {CHANNELS.map(([channel, label]) => (
                    <td key={channel}>
                      <input
                        type="checkbox"
                        aria-label={`${label}: ${TYPE_LABELS[p.type] ?? p.type}`}
                        data-testid={`pref-${p.type}-${channel}`}
                        checked={p[channel]}
                        // The endpoint that was just disabled is not told so itself.
                        disabled={saving !== null || (p.type === 'webhook.disabled' && channel === 'webhook')}
                        onChange={(e) => void toggle(p.type, channel, (e.currentTarget as HTMLInputElement).checked)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted small">Email is sent only when the server has email configured; several events within a minute arrive as one email.</p>
    </section>
  );
}

function WebhookCard() {
  const [endpoint, setEndpoint] = useState<WebhookEndpoint | null | undefined>(undefined);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = () => {
    notificationsApi.webhook().then(
      (found) => {
        setEndpoint(found);
        setUrl((current) => current || found.url);
      },
      (err: unknown) => (err instanceof ApiError && err.status === 404 ? setEndpoint(null) : setError(err)),
    );
    notificationsApi.deliveries().then((page) => setDeliveries(page.items), setError);
  };
  useEffect(reload, []);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      reload();
    }
  };

  return (
    <section class="card span-all" aria-labelledby="webhook-heading">
      <div class="card-head">
        <h2 id="webhook-heading">Webhook</h2>
      </div>
      <p class="muted small">
        Events are POSTed as JSON and signed per the Standard Webhooks specification (<code>webhook-id</code>,{' '}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>). Verify them with the secret shown when you save.
      </p>
      {endpoint?.disabled_at && (
        <p class="note note-error" role="alert" data-testid="webhook-disabled">
          Disabled on {formatDateTime(endpoint.disabled_at)} after deliveries kept failing. Save the URL again to resume.
        </p>
      )}
      {endpoint === undefined && error === null ? (
        // Not before the endpoint is known: an empty field would read as "no webhook", and what
        // someone typed into it would race the saved URL arriving.
        <p class="muted small">Loading…</p>
      ) : (
        <form
          data-testid="webhook-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const saved = await notificationsApi.putWebhook(url.trim());
              setSecret(saved.secret);
              setUrl(saved.url);
            });
          }}
        >
          <label class="field" for="webhook-url">
            <span class="field-label">Endpoint URL</span>
          </label>
          <div class="input-row">
            <input
              id="webhook-url"
              class="input mono"
              type="url"
              placeholder="https://hooks.example.com/depin"
              autoComplete="off"
              value={url}
              onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
              data-testid="webhook-url"
            />
            <button type="submit" class="btn btn-primary" disabled={busy || url.trim() === ''} data-testid="webhook-save">
              {endpoint ? 'Save (new secret)' : 'Save'}
            </button>
          </div>
        </form>
      )}
      {secret && (
        <div class="note note-ok" role="status" data-testid="webhook-secret-box">
          <p>
            Signing secret — copy it now, it is not shown again:
            <br />
            <code class="mono break" data-testid="webhook-secret">
              {secret}
            </code>
          </p>
          <CopyButton text={secret} label="Copy the signing secret" />
        </div>
      )}
      {endpoint && (
        <div class="input-row button-row">
          <button type="button" class="btn btn-secondary" disabled={busy || endpoint.disabled_at !== null} data-testid="webhook-test" onClick={() => void run(async () => {
            await notificationsApi.testWebhook();
            setStatus('Test event queued.');
          })}>
            Send test event
          </button>
          <button type="button" class="btn btn-ghost" disabled={busy} data-testid="webhook-remove" onClick={() => void run(async () => {
            await notificationsApi.removeWebhook();
            setSecret(null);
            setUrl('');
            setStatus('Webhook removed.');
          })}>
            Remove
          </button>
          <button type="button" class="btn btn-ghost" disabled={busy} onClick={reload}>
            Refresh
          </button>
        </div>
      )}
      <ErrorNote error={error} testId="webhook-error" />
      {status && (
        <p class="note note-ok" role="status" data-testid="webhook-status">
          {status}
        </p>
      )}
      <h3>Recent deliveries</h3>
      {deliveries === null || deliveries.length === 0 ? (
        <p class="muted small">No deliveries yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="webhook-deliveries">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Next retry</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id} data-status={d.status}>
                  <td class="mono">{d.type}</td>
                  <td>{d.status}</td>
                  <td>{d.attempts}</td>
                  <td class="small">
                    {d.response_code ?? '—'} {d.response_excerpt ? <span class="muted">{d.response_excerpt.slice(0, 80)}</span> : null}
                  </td>
                  <td class="small">{d.next_retry_at ? formatDateTime(d.next_retry_at) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
