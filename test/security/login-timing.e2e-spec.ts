import { performance } from 'node:perf_hooks';
import { api, registerUser, RegisteredUser } from '../support/api-client';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Login timing must not reveal which emails exist: a wrong password for a real account and any
 * password for an unknown email both cost one argon2 verification (the unknown one against a
 * decoy hash). Compared robustly: medians of interleaved samples, order alternating, asserted
 * within a generous band (0.5–2×) that argon2's cost dominates — were the decoy dropped, unknown
 * emails would answer an order of magnitude faster and the ratio would leave the band at once.
 */
describe('login timing', () => {
  const SAMPLES = 24;
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

  const timeLogin = async (email: string): Promise<number> => {
    const started = performance.now();
    const response = await api(app, 'POST', '/api/auth/login', { body: { email, password: 'not the password 1' } });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('InvalidCredentials');
    return elapsed;
  };

  it('takes as long for an unknown email as for a wrong password', async () => {
    let unknownIndex = 0;
    const unknownEmail = () => `nobody-${unknownIndex++}@example.com`;
    // Warm-up: JIT, connection pool, the decoy hash.
    for (let i = 0; i < 3; i++) {
      await timeLogin(known[i % known.length]!.email);
      await timeLogin(unknownEmail());
    }

    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const email = known[i % known.length]!.email;
      if (i % 2 === 0) {
        knownTimes.push(await timeLogin(email));
        unknownTimes.push(await timeLogin(unknownEmail()));
      } else {
        unknownTimes.push(await timeLogin(unknownEmail()));
        knownTimes.push(await timeLogin(email));
      }
    }
    const ratio = median(knownTimes) / median(unknownTimes);
    if (process.env.TIMING_REPORT) {
      process.stderr.write(`login medians: known ${median(knownTimes).toFixed(1)} ms, unknown ${median(unknownTimes).toFixed(1)} ms, ratio ${ratio.toFixed(2)}\n`);
    }
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2.0);
  });
});
