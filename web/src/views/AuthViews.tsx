import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { authApi } from '../api/client';
import type { AuthResponse } from '../api/types';
import { ErrorNote } from '../components/ErrorNote';
import { rememberedReferralCode } from '../router';

interface Props {
  onAuthed(res: AuthResponse): void;
  /** Shown above the form, e.g. "your session has ended". */
  notice?: string | null;
}

const USERNAME = /^[A-Za-z0-9_]{3,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function AuthShell({ title, children, notice }: { title: string; children: ComponentChildren; notice?: string | null }) {
  return (
    <main class="auth" id="main">
      <div class="auth-card card">
        <div class="brand brand-center">
          <span class="brand-mark" aria-hidden="true" />
          Node Dashboard
        </div>
        <h1>{title}</h1>
        {notice && (
          <p class="note note-info" role="status" data-testid="session-notice">
            {notice}
          </p>
        )}
        {children}
      </div>
    </main>
  );
}

export function LoginView({ onAuthed, notice }: Props) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    try {
      onAuthed(await authApi.login({ email: email.trim(), password }));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <AuthShell title="Sign in" notice={notice}>
      <form data-testid="login-form" onSubmit={submit} noValidate>
        <label class="field">
          <span class="field-label">Email</span>
          <input
            class="input"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input
            class="input"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorNote error={error} testId="form-error" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="auth-switch">
        New here? <a href="#/register">Create an account</a>
      </p>
    </AuthShell>
  );
}

export function RegisterView({ onAuthed }: Props) {
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [referral, setReferral] = useState(rememberedReferralCode);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const problems: string[] = [];
    if (!EMAIL.test(email.trim())) problems.push('Enter a valid email address.');
    if (!USERNAME.test(username)) problems.push('Username: 3–32 letters, digits or underscores.');
    if (password.length < 8 || password.length > 128) problems.push('Password: 8–128 characters.');
    if (problems.length) {
      setError(problems.join(' '));
      return;
    }
    setBusy(true);
    try {
      const code = referral.trim();
      onAuthed(
        await authApi.register({
          email: email.trim(),
          username,
          password,
          ...(code ? { referral_code: code } : {}),
        }),
      );
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <AuthShell title="Create your account">
      <form data-testid="register-form" onSubmit={submit} noValidate>
        <label class="field">
          <span class="field-label">Email</span>
          <input
            class="input"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="field-label">Username</span>
          <input
            class="input"
            type="text"
            name="username"
            autoComplete="username"
            required
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z0-9_]{3,32}"
            aria-describedby="username-hint"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
          <span id="username-hint" class="field-hint">
            3–32 letters, digits or underscores.
          </span>
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input
            class="input"
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={128}
            aria-describedby="password-hint"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <span id="password-hint" class="field-hint">
            At least 8 characters.
          </span>
        </label>
        <label class="field">
          <span class="field-label">
            Referral code <span class="muted">(optional)</span>
          </span>
          <input
            class="input mono"
            type="text"
            name="referral_code"
            autoComplete="off"
            spellcheck={false}
            value={referral}
            onInput={(e) => setReferral(e.currentTarget.value)}
          />
        </label>
        <ErrorNote error={error} testId="form-error" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p class="auth-switch">
        Already have an account? <a href="#/login">Sign in</a>
      </p>
    </AuthShell>
  );
}
