import { api, registerUser, RegisteredUser } from '../support/api-client';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';
import { claimsOf, forgedTokens, rsaKeyPair, signHs256 } from './jwt-forge';

/**
 * Access tokens under attack, on REST and at the WebSocket upgrade alike: algorithm confusion
 * (none in every spelling, RS256/ES256 headers, HS256 keyed with an RSA public key, embedded
 * jwk/jku/kid), tampered claims and signatures, expiry and not-before, and tokens of one kind
 * used as the other. (auth.e2e-spec.ts covers the basic none/bad-signature/expired cases.)
 */
describe('access tokens under attack', () => {
  let app: TestApp;
  let user: RegisteredUser;
  let forged: Array<[string, string]>;

  beforeAll(async () => {
    app = await startTestApp({ label: 'tokens', env: { ADMIN_EMAILS: 'boss@example.com' } });
    user = await registerUser(app);
    const { publicKey, privateKey } = rsaKeyPair();
    forged = forgedTokens(user.accessToken, publicKey, privateKey);
  });
  afterAll(() => app.close());

  const now = () => Math.floor(Date.now() / 1000);

  it('accepts the genuine token (the control for every refusal below)', async () => {
    expect((await api(app, 'GET', '/api/user/me', { token: user.accessToken })).status).toBe(200);
    const socket = await TestSocket.open(app.wsUrl, '/ws/earnings', { token: user.accessToken });
    expect((await socket.connect({ device_id: 'control', role: 'viewer' })).payload.user_id).toBe(user.id);
    socket.close();
  });

  it('refuses every forged token on REST with 401 Unauthorized', async () => {
    expect(forged.length).toBeGreaterThanOrEqual(25);
    for (const [label, token] of forged) {
      for (const path of ['/api/user/me', '/api/networks', '/api/admin/users']) {
        const response = await api(app, 'GET', path, { token });
        expect([label, path, response.status, response.body.error]).toEqual([label, path, 401, 'Unauthorized']);
      }
    }
  });

  it('refuses every forged token at the WebSocket upgrade: Error Unauthorized, then close 4401', async () => {
    for (const [index, [label, token]] of forged.entries()) {
      const socket = await TestSocket.open(app.wsUrl, index % 2 === 0 ? '/ws/dashboard' : '/ws/referrals', {
        token,
        tokenInQuery: index % 3 === 0,
      });
      // A Connect sent at once must not slip through while the token is being checked.
      socket.send({ type: 'Connect', payload: { device_id: 'forged', role: 'viewer' } });
      const first = await socket.next();
      expect([label, first.type, first.payload?.error]).toEqual([label, 'Error', 'Unauthorized']);
      expect([label, (await socket.closed).code]).toEqual([label, 4401]);
      expect([label, socket.frames.length]).toEqual([label, 1]);
    }
  });

  it('answers a genuinely signed but expired token with SessionExpired, and a not-yet-valid one with Unauthorized', async () => {
    const claims = claimsOf(user.accessToken);
    const header = { alg: 'HS256', typ: 'JWT' };
    const expired = signHs256(header, { ...claims, iat: now() - 900, exp: now() - 1 }, TEST_JWT_SECRET);
    const notYet = signHs256(header, { ...claims, nbf: now() + 3600 }, TEST_JWT_SECRET);
    const stillValid = signHs256(header, { ...claims, iat: now() - 898, exp: now() + 30 }, TEST_JWT_SECRET);

    expect((await api(app, 'GET', '/api/user/me', { token: expired })).body.error).toBe('SessionExpired');
    expect((await api(app, 'GET', '/api/user/me', { token: notYet })).body.error).toBe('Unauthorized');
    expect((await api(app, 'GET', '/api/user/me', { token: stillValid })).status).toBe(200);

    for (const [token, error] of [
      [expired, 'SessionExpired'],
      [notYet, 'Unauthorized'],
    ] as const) {
      const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token });
      expect((await socket.next()).payload.error).toBe(error);
      expect((await socket.closed).code).toBe(4401);
    }
  });

  it('stops taking a token it has verified before once the token expires (verified tokens are remembered until exp only)', async () => {
    const exp = now() + 2;
    const shortLived = signHs256({ alg: 'HS256', typ: 'JWT' }, { ...claimsOf(user.accessToken), iat: now(), exp }, TEST_JWT_SECRET);
    // Twice: the second is served from the verified tokens.
    expect((await api(app, 'GET', '/api/user/me', { token: shortLived })).status).toBe(200);
    expect((await api(app, 'GET', '/api/user/me', { token: shortLived })).status).toBe(200);
    // Waits for the clock (no event to await): jsonwebtoken's rule, expired from the second of exp.
    await waitUntil(() => Date.now() >= exp * 1000, { timeoutMs: 5_000, what: 'the token to expire' });
    expect((await api(app, 'GET', '/api/user/me', { token: shortLived })).body.error).toBe('SessionExpired');
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: shortLived });
    expect((await socket.next()).payload.error).toBe('SessionExpired');
    expect((await socket.closed).code).toBe(4401);
  });

  it('refuses a role claim the session does not have: a user signing themselves admin gets nothing', async () => {
    // Even correctly signed (as if the secret leaked), the role comes from ADMIN_EMAILS, not the token.
    const selfPromoted = signHs256({ alg: 'HS256', typ: 'JWT' }, { ...claimsOf(user.accessToken), role: 'admin' }, TEST_JWT_SECRET);
    const response = await api(app, 'GET', '/api/admin/users', { token: selfPromoted });
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('Forbidden');
  });

  it('does not take a refresh token as an access token, nor an access token as a refresh token', async () => {
    const fresh = await registerUser(app);
    const asAccess = await api(app, 'GET', '/api/user/me', { token: fresh.refreshToken });
    expect([asAccess.status, asAccess.body.error]).toEqual([401, 'Unauthorized']);
    const asRefresh = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: fresh.accessToken.slice(0, 256) } });
    expect([asRefresh.status, asRefresh.body.error]).toEqual([401, 'Unauthorized']);
    const socket = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: fresh.refreshToken });
    expect((await socket.next()).payload.error).toBe('Unauthorized');
    expect((await socket.closed).code).toBe(4401);
  });

  it('reads the token from the Authorization header only on REST (never from the query string)', async () => {
    const response = await api(app, 'GET', `/api/user/me?token=${user.accessToken}`);
    expect(response.status).toBe(401);
    for (const header of [`Token ${user.accessToken}`, `Bearer${user.accessToken}`, `${user.accessToken}`]) {
      const odd = await api(app, 'GET', '/api/user/me', { headers: { authorization: header } });
      expect([header.slice(0, 12), odd.status]).toEqual([header.slice(0, 12), 401]);
    }
  });
});
