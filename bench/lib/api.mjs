import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One JSON request to the service (node:http with keep-alive; no fetch overhead). */
export function request(baseUrl, method, path, { token, body, localAddress } = {}) {
  const url = new URL(path, baseUrl);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent,
        localAddress,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count, concurrency, work) {
  let next = 0;
  const results = new Array(count);
  const runners = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * Registers `count` users through POST /api/auth/register. User i > 0 registers with the
 * referral code of user ⌊(i − 1) / fanout⌋, so the users form a referral tree deep enough for
 * every commission tier. Registration is argon2id-bound (tens of ms of CPU each): the service
 * must run with AUTH_REQUESTS_PER_MINUTE raised, and it pays to run several at once.
 */
export async function registerUsers(baseUrl, count, { prefix = 'lg', fanout = 3, concurrency = 8, onProgress } = {}) {
  const tag = `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const users = new Array(count);
  let failures = 0;
  // Parents first: a level of the tree is registered before its children need its code.
  let done = 0;
  let levelStart = 0;
  let levelSize = 1;
  while (levelStart < count) {
    const levelEnd = Math.min(count, levelStart + levelSize);
    await pool(levelEnd - levelStart, concurrency, async (k) => {
      const i = levelStart + k;
      const parent = i === 0 ? null : users[Math.floor((i - 1) / fanout)];
      const payload = {
        email: `${tag}_${i}@bench.example.com`,
        username: `${tag}_${i}`.slice(0, 32),
        password: 'bench-password-1',
        ...(parent?.referralCode ? { referral_code: parent.referralCode } : {}),
      };
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await request(baseUrl, 'POST', '/api/auth/register', { body: payload });
          if (response.status !== 201) throw new Error(`register: ${response.status} ${JSON.stringify(response.body)}`);
          users[i] = {
            id: response.body.user.id,
            referralCode: response.body.user.referral_code,
            token: response.body.access_token,
            refreshToken: response.body.refresh_token,
          };
          break;
        } catch (error) {
          failures += 1;
          if (attempt >= 3) throw error;
        }
      }
      done += 1;
      onProgress?.(done, failures);
    });
    levelStart = levelEnd;
    levelSize *= fanout;
  }
  return { users, failures };
}
