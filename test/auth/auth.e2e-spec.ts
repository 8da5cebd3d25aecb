import { createHmac } from 'node:crypto';
import { api, registerUser } from '../support/api-client';
import { sql } from '../support/sql';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';

/** Signs arbitrary JWTs for attack cases (alg none, wrong key, tampered claims, expired). */
function signJwt(header: object, claims: object, secret = TEST_JWT_SECRET): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function claimsOf(token: string): { sub: number; sid: string; role: string; exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('auth', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ label: 'auth', env: { ADMIN_EMAILS: 'Admin@Example.com' } });
  });
  afterAll(() => app.close());

  describe('register', () => {
    it('creates the user and returns a token pair', async () => {
      const response = await api(app, 'POST', '/api/auth/register', {
        body: { email: '  New.Person@Example.COM ', username: 'new_person', password: 'pa55word!' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        user: {
          id: expect.any(Number),
          email: 'new.person@example.com',
          username: 'new_person',
          wallet_address: null,
          referral_code: expect.stringMatching(/^[A-Za-z0-9_-]{6,}$/),
          role: 'user',
          created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          last_active: expect.any(String),
        },
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
      });
      const claims = claimsOf(response.body.access_token);
      expect(claims).toMatchObject({ sub: response.body.user.id, role: 'user', sid: expect.any(String) });
      expect(claims.exp - claims.iat).toBe(900);
      expect(JSON.parse(Buffer.from(response.body.access_token.split('.')[0], 'base64url').toString())).toMatchObject({
        alg: 'HS256',
      });
      // Stored hashed with argon2id, never in the clear.
      const [row] = await sql<{ password_hash: string }>(app.database.url, 'SELECT password_hash FROM users WHERE id = $1', [
        response.body.user.id,
      ]);
      expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      expect(row!.password_hash).not.toContain('pa55word!');
    });

    it('rejects taken emails and usernames (case-insensitively) with 409', async () => {
      const first = await registerUser(app);
      const sameEmail = await api(app, 'POST', '/api/auth/register', {
        body: { email: first.email.toUpperCase(), username: 'someone_else', password: 'password1' },
      });
      expect(sameEmail.status).toBe(409);
      expect(sameEmail.body).toMatchObject({ error: 'Conflict', message: 'Email already registered' });

      const sameName = await api(app, 'POST', '/api/auth/register', {
        body: { email: 'other@example.com', username: first.username.toUpperCase(), password: 'password1' },
      });
      expect(sameName.status).toBe(409);
      expect(sameName.body).toMatchObject({ error: 'Conflict', message: 'Username already taken' });
    });

    it.each([
      [{ email: 'not-an-email', username: 'valid_name', password: 'password1' }, 'email'],
      [{ email: 'a@b.io', username: 'no', password: 'password1' }, 'username'],
      [{ email: 'a@b.io', username: 'has space', password: 'password1' }, 'username'],
      [{ email: 'a@b.io', username: 'x'.repeat(33), password: 'password1' }, 'username'],
      [{ email: 'a@b.io', username: 'valid_name', password: 'short' }, 'password'],
      [{ email: 'a@b.io', username: 'valid_name', password: 'p'.repeat(129) }, 'password'],
      [{ email: 'a@b.io', username: 'valid_name', password: 12345678 }, 'password'],
      [{ email: 'a@b.io', username: 'valid_name', password: 'password1', role: 'admin' }, 'role'],
      [{ email: 'a@b.io', username: 'valid_name', password: 'password1', id: 1 }, 'id'],
      [{ username: 'valid_name', password: 'password1' }, 'email'],
    ])('rejects invalid input %j with 400 ValidationError naming %s', async (body, field) => {
      const response = await api(app, 'POST', '/api/auth/register', { body });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('ValidationError');
      expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    });

    it('rejects an unknown referral code with 400 and creates nothing', async () => {
      const response = await api(app, 'POST', '/api/auth/register', {
        body: { email: 'ref@example.com', username: 'ref_user', password: 'password1', referral_code: 'NOPE1234' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'ValidationError', message: 'Unknown referral code' });
      const login = await api(app, 'POST', '/api/auth/login', { body: { email: 'ref@example.com', password: 'password1' } });
      expect(login.status).toBe(401);
    });

    it('answers malformed JSON and wrong content types with 400', async () => {
      const malformed = await api(app, 'POST', '/api/auth/register', { rawBody: '{"email": "a@b.io",' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ error: 'ValidationError', message: 'Request body is not valid JSON' });
      expect(malformed.body.request_id).toBe(malformed.headers.get('x-request-id'));

      const text = await api(app, 'POST', '/api/auth/register', {
        rawBody: 'email=a@b.io',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(400);
      expect(text.body.error).toBe('ValidationError');

      const array = await api(app, 'POST', '/api/auth/register', { rawBody: '[1,2,3]' });
      expect(array.status).toBe(400);
      expect(array.body.error).toBe('ValidationError');

      const huge = await api(app, 'POST', '/api/auth/register', { rawBody: JSON.stringify({ password: 'x'.repeat(100_000) }) });
      expect(huge.status).toBe(400);
      expect(huge.body.error).toBe('ValidationError');
    });
  });

  describe('login', () => {
    it('logs in with the right password, email case-insensitively', async () => {
      const user = await registerUser(app);
      const response = await api(app, 'POST', '/api/auth/login', {
        body: { email: user.email.toUpperCase(), password: user.password },
      });
      expect(response.status).toBe(200);
      expect(response.body.user.id).toBe(user.id);
      expect(response.body.token_type).toBe('Bearer');
      // The answer already carries this login as the latest activity.
      const me = await api(app, 'GET', '/api/user/me', { token: response.body.access_token });
      expect(response.body.user.last_active).toBe(me.body.last_active);
    });

    it('answers a wrong password and an unknown email identically', async () => {
      const user = await registerUser(app);
      const wrong = await api(app, 'POST', '/api/auth/login', { body: { email: user.email, password: 'wrong password' } });
      const unknown = await api(app, 'POST', '/api/auth/login', {
        body: { email: 'nobody-here@example.com', password: 'wrong password' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const strip = ({ request_id: _, ...rest }: Record<string, unknown>) => rest;
      expect(strip(wrong.body)).toEqual({ error: 'InvalidCredentials', message: 'Invalid email or password' });
      expect(strip(unknown.body)).toEqual(strip(wrong.body));
    });

    it('gives admins the admin role from ADMIN_EMAILS', async () => {
      const admin = await registerUser(app, { email: 'admin@example.com' });
      expect(claimsOf(admin.accessToken).role).toBe('admin');
    });
  });

  describe('access tokens', () => {
    let user: Awaited<ReturnType<typeof registerUser>>;
    beforeAll(async () => {
      user = await registerUser(app);
    });

    it('authorizes with a valid token and refuses without one', async () => {
      expect((await api(app, 'GET', '/api/user/me', { token: user.accessToken })).status).toBe(200);
      const missing = await api(app, 'GET', '/api/user/me');
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ error: 'Unauthorized', message: 'Authentication required' });
    });

    it('refuses alg none, a bad signature, tampered claims and garbage', async () => {
      const claims = claimsOf(user.accessToken);
      const none = [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
        Buffer.from(JSON.stringify(claims)).toString('base64url'),
        '',
      ].join('.');
      const wrongKey = signJwt({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-another-secret-0123456789');
      const tampered = signJwt({ alg: 'HS256', typ: 'JWT' }, claims).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.`);
      const hs512 = signJwt({ alg: 'HS512', typ: 'JWT' }, claims);
      for (const token of [none, wrongKey, tampered, hs512, 'garbage', 'a.b.c']) {
        const response = await api(app, 'GET', '/api/user/me', { token });
        expect([token, response.status, response.body.error]).toEqual([token, 401, 'Unauthorized']);
      }
    });

    it('answers an expired token with SessionExpired', async () => {
      const claims = claimsOf(user.accessToken);
      const now = Math.floor(Date.now() / 1000);
      const expired = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 1000, exp: now - 10 });
      const response = await api(app, 'GET', '/api/user/me', { token: expired });
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('SessionExpired');
    });

    it('refuses a validly signed token for another user than its session', async () => {
      const other = await registerUser(app);
      const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claimsOf(user.accessToken), sub: other.id });
      expect((await api(app, 'GET', '/api/user/me', { token: forged })).status).toBe(401);
    });
  });

  describe('refresh and logout', () => {
    it('rotates refresh tokens; reusing a rotated one revokes the whole session', async () => {
      const user = await registerUser(app);
      const first = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: user.refreshToken } });
      expect(first.status).toBe(200);
      expect(first.body.refresh_token).not.toBe(user.refreshToken);
      expect(claimsOf(first.body.access_token).sid).toBe(claimsOf(user.accessToken).sid);

      const second = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: first.body.refresh_token } });
      expect(second.status).toBe(200);

      // The first token again: reuse.
      const reuse = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: user.refreshToken } });
      expect(reuse.status).toBe(401);
      expect(reuse.body.error).toBe('SessionExpired');

      // The whole session is gone: the newest refresh token and the access tokens too.
      const newest = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: second.body.refresh_token } });
      expect(newest.status).toBe(401);
      expect(newest.body.error).toBe('SessionExpired');
      const me = await api(app, 'GET', '/api/user/me', { token: second.body.access_token });
      expect(me.status).toBe(401);
      expect(me.body.error).toBe('SessionExpired');

      // Other sessions of the same user are unaffected.
      const login = await api(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
      expect((await api(app, 'GET', '/api/user/me', { token: login.body.access_token })).status).toBe(200);
    });

    it('lets only one of two concurrent refreshes with the same token win', async () => {
      const user = await registerUser(app);
      const results = await Promise.all(
        [1, 2].map(() => api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: user.refreshToken } })),
      );
      expect(results.map((result) => result.status).sort()).toEqual([200, 401]);
    });

    it('refuses unknown and malformed refresh tokens', async () => {
      const unknown = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: 'not-a-real-token' } });
      expect(unknown.status).toBe(401);
      expect(unknown.body.error).toBe('Unauthorized');
      const missing = await api(app, 'POST', '/api/auth/refresh', { body: {} });
      expect(missing.status).toBe(400);
      const wrongType = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: 42 } });
      expect(wrongType.status).toBe(400);
    });

    it('logout ends the session: its refresh and access tokens stop working', async () => {
      const user = await registerUser(app);
      const logout = await api(app, 'POST', '/api/auth/logout', { body: { refresh_token: user.refreshToken } });
      expect(logout.status).toBe(204);
      expect(logout.body).toBeUndefined();
      const refresh = await api(app, 'POST', '/api/auth/refresh', { body: { refresh_token: user.refreshToken } });
      expect(refresh.status).toBe(401);
      const me = await api(app, 'GET', '/api/user/me', { token: user.accessToken });
      expect(me.status).toBe(401);
      // Idempotent.
      expect((await api(app, 'POST', '/api/auth/logout', { body: { refresh_token: user.refreshToken } })).status).toBe(204);
    });
  });
});

describe('auth throttling', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      label: 'auth_throttle',
      env: { LOGIN_FAILURES_PER_EMAIL: '3', AUTH_REQUESTS_PER_MINUTE: '12' },
    });
  });
  afterAll(() => app.close());

  it('blocks an email after LOGIN_FAILURES_PER_EMAIL failures, even with the right password', async () => {
    const user = await registerUser(app);
    for (let i = 0; i < 3; i++) {
      const response = await api(app, 'POST', '/api/auth/login', { body: { email: user.email, password: 'wrong-pass' } });
      expect(response.status).toBe(401);
    }
    const blocked = await api(app, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('RateLimited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('limits auth requests per client IP per minute', async () => {
    // 12 per minute in all from this IP; 4 were used above (1 register + 4 logins = 5).
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await api(app, 'POST', '/api/auth/login', {
        body: { email: `nobody${i}@example.com`, password: 'whatever1' },
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 7).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(7)).toEqual([429, 429, 429]);
  });
});
