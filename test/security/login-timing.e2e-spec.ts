import { performance } from 'node:perf_hooks';
import { PasswordHasher } from '../../src/modules/auth/password-hasher';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { recordFigure } from '../support/figures';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Login timing must not reveal which emails exist: a wrong password for a real account and any
 * password for an unknown email both cost one argon2 verification (the unknown one against a
 * decoy hash of the same parameters: src/modules/auth/password-hasher.spec.ts). Checked here as
 * equal work through the real HTTP path — one verification per failed login, known email or not —
 * which a busy machine cannot blur. The medians of interleaved timings are recorded as a figure
 * (test-output/figures.jsonl), not asserted: timing belongs to measurements, not to pass/fail.
 */
describe('login timing', () => {
  const SAMPLES = 12;
  let app: TestApp;
  let known: RegisteredUser[];

  beforeAll(async () => {
    // Failures are counted per email; this test fails on purpose many times.
    app = await startTestApp({ label: 'login_timing', env: { LOGIN_FAILURES_PER_EMAIL: '100000' } });
    known = [];
    for (let i = 0; i < 4; i++) known.push(await registerUser(app));
  });
  afterAll(() => app.close());

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 0 ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[middle]!;
  };

  it('does the same password work for an unknown email as for a wrong password', async () => {
    const hasher = app.server.app.get(PasswordHasher);
    const verify = jest.spyOn(hasher, 'verify');
    let unknownIndex = 0;
    /** One failed login: its time, and the password hashes verified for it (null: the decoy). */
    const failedLogin = async (email: string): Promise<{ ms: number; verified: Array<string | null> }> => {
      verify.mockClear();
      const started = performance.now();
      const response = await api(app, 'POST', '/api/auth/login', { body: { email, password: 'not the password 1' } });
      const ms = performance.now() - started;
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('InvalidCredentials');
      return { ms, verified: verify.mock.calls.map(([passwordHash]) => passwordHash) };
    };

    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      // Alternate the order, so neither kind always runs on a warmer process.
      const pair = [() => failedLogin(known[i % known.length]!.email), () => failedLogin(`nobody-${unknownIndex++}@example.com`)];
      const [first, second] = i % 2 === 0 ? pair : [pair[1]!, pair[0]!];
      const results = [await first!(), await second!()];
      const [forKnown, forUnknown] = i % 2 === 0 ? results : [results[1]!, results[0]!];
      // Exactly one verification each: against the account's hash, or against the decoy.
      expect(forKnown!.verified).toEqual([expect.stringMatching(/^\$argon2id\$/)]);
      expect(forUnknown!.verified).toEqual([null]);
      knownTimes.push(forKnown!.ms);
      unknownTimes.push(forUnknown!.ms);
    }
    verify.mockRestore();
    recordFigure('login-timing', 'median failed-login time, known email / unknown email', median(knownTimes) / median(unknownTimes), 'ratio');
  });
});
