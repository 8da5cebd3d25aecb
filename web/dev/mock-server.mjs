#!/usr/bin/env node
/**
 * A development stand-in for the backend: serves web/dist and fakes the REST API and the
 * /ws/dashboard protocol of docs/API.md, in memory. Not a reference implementation.
 *
 *   npm run build:web && node web/dev/mock-server.mjs      # http://127.0.0.1:4173
 *
 * Environment (all optional):
 *   PORT / HOST                 4173 / 127.0.0.1
 *   MOCK_ACCESS_TTL             900    access-token lifetime (s); small values exercise refresh
 *   MOCK_HEARTBEAT_MS           30000  heartbeat_interval_ms sent in Connected
 *   MOCK_PUSH_MS                1000   period of EarningsUpdate + NetworkUpdate pushes
 *   MOCK_SPEED                  20     accrual speed-up so numbers move visibly
 *   MOCK_ADMIN_EMAILS           admin@example.com   comma-separated; also any email starting with "admin"
 *
 * Test hooks (development only), all under /__mock:
 *   GET  /__mock/state                         counters: sockets, connects, heartbeats, refreshes…
 *   POST /__mock/close?code=4401[&email=…]     close live sockets with a code
 *   POST /__mock/expire-access                 invalidate every access token (forces the 401 path)
 *   POST /__mock/referral?email=…              a new referee signs up with that user's code
 *   POST /__mock/seed?email=…&username=…&password=…  create a user directly
 *
 * Usernames starting with "empty" get no seeded nodes, referrals or history (empty states).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const EPOCH_GENESIS = Date.parse('2026-01-01T00:00:00Z');
const REFERRAL_BONUS = 50;

let keccak256 = null;
try {
  ({ keccak_256: keccak256 } = await import('@noble/hashes/sha3.js'));
} catch {
  keccak256 = null; // checksum validation is skipped without it
}

const round6 = (x) => Math.round(x * 1e6) / 1e6;
const token = (prefix) => `${prefix}_${randomBytes(18).toString('base64url')}`;
const nowIso = () => new Date().toISOString();

/** Deterministic pseudo-random numbers so seeded history is stable per user. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 1_000_000) / 1_000_000;
  };
}

function isChecksumValid(address) {
  const hex = address.slice(2);
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase() || !keccak256) return true;
  const hash = Buffer.from(keccak256(new TextEncoder().encode(hex.toLowerCase()))).toString('hex');
  for (let i = 0; i < 40; i++) {
    const c = hex[i];
    if (/[a-f]/.test(c) && parseInt(hash[i], 16) >= 8) return false;
    if (/[A-F]/.test(c) && parseInt(hash[i], 16) < 8) return false;
  }
  return true;
}

class HttpError extends Error {
  constructor(status, error, message, details) {
    super(message);
    this.status = status;
    this.error = error;
    this.details = details;
  }
}

export function startMockServer(options = {}) {
  const cfg = {
    port: Number(options.port ?? process.env.PORT ?? 4173),
    host: options.host ?? process.env.HOST ?? '127.0.0.1',
    accessTtl: Number(options.accessTtl ?? process.env.MOCK_ACCESS_TTL ?? 900),
    heartbeatMs: Number(options.heartbeatMs ?? process.env.MOCK_HEARTBEAT_MS ?? 30_000),
    pushMs: Number(options.pushMs ?? process.env.MOCK_PUSH_MS ?? 1000),
    speed: Number(options.speed ?? process.env.MOCK_SPEED ?? 20),
    adminEmails: (options.adminEmails ?? process.env.MOCK_ADMIN_EMAILS ?? 'admin@example.com')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    distDir: options.distDir ?? resolve(fileURLToPath(new URL('../dist', import.meta.url))),
    quiet: options.quiet ?? false,
  };

  let nextId = 1;
  /** @type {Map<number, any>} */
  const users = new Map();
  const accessTokens = new Map(); // token → { userId, exp }
  const refreshTokens = new Map(); // token → { userId, family, used }
  const revokedFamilies = new Set();
  const sockets = new Set(); // { ws, userId, connected, heartbeats }
  const counters = { connects: 0, heartbeats: 0, refreshes: 0, upgrades: 0, closes: {}, connectFrames: [] };

  // ---------- domain ----------

  function createUser({ email, username, password, referrerId = null }) {
    const id = nextId++;
    const seed = rng(id * 7919);
    const empty = username.toLowerCase().startsWith('empty');
    const now = Date.now();
    const user = {
      id,
      email,
      username,
      password,
      wallet_address: null,
      referral_code: randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8).toUpperCase(),
      created_at: new Date(now - (empty ? 0 : 12 * DAY)).toISOString(),
      last_active: nowIso(),
      disabled: false,
      referrerId,
      /** hour start (ms) → { network, referral, bonus } */
      buckets: new Map(),
      networks: [],
      referrals: [],
    };
    if (!empty) {
      const start = Math.floor((now - 30 * DAY) / HOUR) * HOUR;
      for (let t = start; t <= now; t += HOUR) {
        const daytime = new Date(t).getUTCHours() >= 6;
        const network = round6((daytime ? 1.2 : 0.6) + seed() * 1.5);
        const referral = round6(seed() < 0.4 ? seed() * 0.6 : 0);
        const bonus = seed() < 0.01 ? REFERRAL_BONUS : 0;
        user.buckets.set(t, { network, referral, bonus });
      }
      user.networks = [
        node(user, 1, 'node-alpha', 'Home fibre', '203.0.113.10', true, 0.97, 86_400 * 3 + 3_725),
        node(user, 2, 'node-beta', 'Office', '198.51.100.23', true, 0.91, 7_260),
        node(user, 3, 'rpi-garage', 'Raspberry Pi', '192.0.2.77', false, 0.42, 615),
      ];
      for (const n of user.networks) n.points_earned = round6(n.connection_time * (60 / 3600) * n.network_score);
      user.referrals = [
        referral(user, 'alice_node', 'Rewarded', 62.4, 9),
        referral(user, 'bob', 'Completed', 18.25, 4),
        referral(user, 'carol', 'Pending', 0.5, 1),
      ];
    }
    users.set(id, user);
    return user;
  }

  function node(user, n, device_id, network_name, ip_address, connected, network_score, connection_time) {
    const created = new Date(Date.now() - (20 - n) * DAY).toISOString();
    return {
      id: user.id * 100 + n,
      user_id: user.id,
      device_id,
      network_name,
      ip_address,
      connected,
      connection_time,
      network_score,
      points_earned: 0,
      created_at: created,
      updated_at: nowIso(),
    };
  }

  function referral(user, referee_username, status, points, daysAgo) {
    return {
      id: user.id * 1000 + user.referrals.length + 1 + Math.floor(Math.random() * 900),
      referrer_id: user.id,
      referee_id: 90_000 + Math.floor(Math.random() * 9_999),
      referee_username,
      status,
      points,
      created_at: new Date(Date.now() - daysAgo * DAY).toISOString(),
    };
  }

  function publicUser(u) {
    return {
      id: u.id,
      email: u.email,
      username: u.username,
      wallet_address: u.wallet_address,
      referral_code: u.referral_code,
      created_at: u.created_at,
      last_active: u.last_active,
    };
  }

  function earningsData(u) {
    const now = Date.now();
    const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
    const epoch = Math.floor((now - EPOCH_GENESIS) / DAY);
    const epochStart = EPOCH_GENESIS + epoch * DAY;
    const by = { network: 0, referral: 0, bonus: 0 };
    let todaySum = 0;
    let epochSum = 0;
    for (const [t, b] of u.buckets) {
      const s = b.network + b.referral + b.bonus;
      by.network += b.network;
      by.referral += b.referral;
      by.bonus += b.bonus;
      if (t >= today) todaySum += s;
      if (t >= epochStart) epochSum += s;
    }
    return {
      total: round6(by.network + by.referral + by.bonus),
      today: round6(todaySum),
      current_epoch: epoch,
      epoch_total: round6(epochSum),
      by_source: { network: round6(by.network), referral: round6(by.referral), bonus: round6(by.bonus) },
      updated_at: nowIso(),
    };
  }

  function referralData(u) {
    const count = (s) => u.referrals.filter((r) => r.status === s).length;
    return {
      referral_code: u.referral_code,
      total: u.referrals.length,
      pending: count('Pending'),
      completed: count('Completed'),
      rewarded: count('Rewarded'),
      points: round6(u.referrals.reduce((a, r) => a + r.points, 0)),
    };
  }

  function addToBucket(u, source, amount) {
    const t = Math.floor(Date.now() / HOUR) * HOUR;
    const b = u.buckets.get(t) ?? { network: 0, referral: 0, bonus: 0 };
    b[source] = round6(b[source] + amount);
    u.buckets.set(t, b);
  }

  function timeseries(u, bucket, fromIso, toIso) {
    const size = bucket === 'day' ? DAY : HOUR;
    const to = toIso ? Date.parse(toIso) : Date.now();
    const from = fromIso ? Date.parse(fromIso) : to - (bucket === 'day' ? 30 * DAY : 24 * HOUR);
    if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
      throw new HttpError(400, 'ValidationError', 'from must be before to', [{ field: 'from', problems: ['invalid range'] }]);
    }
    const start = Math.floor(from / size) * size;
    const points = [];
    for (let t = start; t <= to; t += size) points.push({ t: new Date(t).toISOString(), network: 0, referral: 0, bonus: 0, total: 0 });
    for (const [t, b] of u.buckets) {
      if (t < start || t > to) continue;
      const p = points[Math.floor((t - start) / size)];
      if (!p) continue;
      p.network += b.network;
      p.referral += b.referral;
      p.bonus += b.bonus;
    }
    for (const p of points) {
      p.network = round6(p.network);
      p.referral = round6(p.referral);
      p.bonus = round6(p.bonus);
      p.total = round6(p.network + p.referral + p.bonus);
    }
    return { bucket, points };
  }

  function issue(user, family = randomBytes(8).toString('hex')) {
    const access_token = token('at');
    const refresh_token = token('rt');
    accessTokens.set(access_token, { userId: user.id, exp: Date.now() + cfg.accessTtl * 1000 });
    refreshTokens.set(refresh_token, { userId: user.id, family, used: false });
    return { user: publicUser(user), access_token, refresh_token, token_type: 'Bearer', expires_in: cfg.accessTtl };
  }

  function revokeUser(userId) {
    for (const [t, v] of accessTokens) if (v.userId === userId) accessTokens.delete(t);
    for (const [t, v] of refreshTokens) if (v.userId === userId) refreshTokens.delete(t);
  }

  function authUser(tokenStr) {
    const entry = tokenStr && accessTokens.get(tokenStr);
    if (!entry) throw new HttpError(401, 'Unauthorized', 'Missing or invalid access token');
    if (entry.exp < Date.now()) throw new HttpError(401, 'SessionExpired', 'Access token expired');
    const user = users.get(entry.userId);
    if (!user || user.disabled) throw new HttpError(401, 'Unauthorized', 'Missing or invalid access token');
    user.last_active = nowIso();
    return user;
  }

  const isAdmin = (u) => cfg.adminEmails.includes(u.email) || u.email.startsWith('admin');

  // ---------- REST ----------

  /** Details come as `[{field, problems: [..]}]`, the shape the real service sends. */
  function validate(body, allowed, rules) {
    const details = [];
    for (const k of Object.keys(body ?? {})) if (!allowed.includes(k)) details.push({ field: k, problems: [`${k} is not allowed`] });
    for (const [field, check] of Object.entries(rules)) {
      const msg = check(body?.[field]);
      if (msg) details.push({ field, problems: [msg] });
    }
    if (details.length) throw new HttpError(400, 'ValidationError', 'Request validation failed', details);
  }

  function paginate(items, limit, cursor) {
    const n = Math.min(200, Math.max(1, Number(limit) || 50));
    const offset = Number(cursor) || 0;
    const page = items.slice(offset, offset + n);
    return { items: page, next_cursor: offset + n < items.length ? String(offset + n) : null };
  }

  async function handleApi(req, url, body) {
    const path = url.pathname;
    const m = req.method;
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || null;

    if (m === 'POST' && path === '/api/auth/register') {
      validate(body, ['email', 'username', 'password', 'referral_code'], {
        email: (v) => (typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : 'email must be an email'),
        username: (v) => (typeof v === 'string' && /^[A-Za-z0-9_]{3,32}$/.test(v) ? null : 'username must be 3-32 of A-Z a-z 0-9 _'),
        password: (v) => (typeof v === 'string' && v.length >= 8 && v.length <= 128 ? null : 'password must be 8-128 characters'),
      });
      const email = body.email.toLowerCase();
      let referrer = null;
      if (body.referral_code != null && body.referral_code !== '') {
        referrer = [...users.values()].find((u) => u.referral_code === body.referral_code);
        if (!referrer) throw new HttpError(400, 'ValidationError', 'Unknown referral code', [{ field: 'referral_code', problems: ['referral_code does not belong to any user'] }]);
      }
      for (const u of users.values()) {
        if (u.email === email) throw new HttpError(409, 'Conflict', 'Email is already registered');
        if (u.username.toLowerCase() === body.username.toLowerCase()) throw new HttpError(409, 'Conflict', 'Username is already taken');
      }
      const user = createUser({ email, username: body.username, password: body.password, referrerId: referrer?.id ?? null });
      if (referrer) {
        referrer.referrals.unshift({
          id: nextId * 1000 + 1,
          referrer_id: referrer.id,
          referee_id: user.id,
          referee_username: user.username,
          status: 'Pending',
          points: 0,
          created_at: nowIso(),
        });
        pushReferrals(referrer);
      }
      return [201, issue(user)];
    }
    if (m === 'POST' && path === '/api/auth/login') {
      const email = String(body?.email ?? '').toLowerCase();
      const user = [...users.values()].find((u) => u.email === email);
      if (!user || user.password !== body?.password || user.disabled) {
        throw new HttpError(401, 'InvalidCredentials', 'Invalid email or password');
      }
      return [200, issue(user)];
    }
    if (m === 'POST' && path === '/api/auth/refresh') {
      counters.refreshes += 1;
      const entry = refreshTokens.get(body?.refresh_token);
      if (!entry || revokedFamilies.has(entry.family)) throw new HttpError(401, 'SessionExpired', 'Session expired; please sign in again');
      if (entry.used) {
        revokedFamilies.add(entry.family);
        throw new HttpError(401, 'SessionExpired', 'Refresh token reuse detected; session revoked');
      }
      entry.used = true;
      const user = users.get(entry.userId);
      if (!user || user.disabled) throw new HttpError(401, 'SessionExpired', 'Session expired; please sign in again');
      return [200, issue(user, entry.family)];
    }
    if (m === 'POST' && path === '/api/auth/logout') {
      const entry = refreshTokens.get(body?.refresh_token);
      if (entry) revokedFamilies.add(entry.family);
      return [204];
    }

    const user = authUser(bearer);

    if (path === '/api/user/me' && m === 'GET') return [200, publicUser(user)];
    if (path === '/api/user/me' && m === 'PATCH') {
      validate(body, ['username', 'wallet_address'], {
        wallet_address: (v) =>
          v === undefined || v === null
            ? null
            : typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)
              ? 'wallet_address must be 0x followed by 40 hex characters'
              : isChecksumValid(v)
                ? null
                : 'wallet_address has an invalid EIP-55 checksum',
        username: (v) => (v === undefined || /^[A-Za-z0-9_]{3,32}$/.test(v) ? null : 'username must be 3-32 of A-Z a-z 0-9 _'),
      });
      if (body.username !== undefined) user.username = body.username;
      if (body.wallet_address !== undefined) user.wallet_address = body.wallet_address;
      return [200, publicUser(user)];
    }
    if (path === '/api/networks' && m === 'GET') return [200, { items: user.networks }];
    if (path === '/api/networks/summary' && m === 'GET') {
      const n = user.networks;
      return [
        200,
        {
          total: n.length,
          connected: n.filter((x) => x.connected).length,
          connection_time: n.reduce((a, x) => a + x.connection_time, 0),
          average_score: n.length ? round6(n.reduce((a, x) => a + x.network_score, 0) / n.length) : 0,
          points_earned: round6(n.reduce((a, x) => a + x.points_earned, 0)),
        },
      ];
    }
    if (path === '/api/earnings/summary' && m === 'GET') return [200, earningsData(user)];
    if (path === '/api/earnings/timeseries' && m === 'GET') {
      const bucket = url.searchParams.get('bucket') ?? 'hour';
      if (bucket !== 'hour' && bucket !== 'day') {
        throw new HttpError(400, 'ValidationError', 'bucket must be hour or day', [{ field: 'bucket', problems: ['bucket must be hour or day'] }]);
      }
      return [200, timeseries(user, bucket, url.searchParams.get('from'), url.searchParams.get('to'))];
    }
    if (path === '/api/referrals' && m === 'GET') {
      const status = url.searchParams.get('status');
      const items = status ? user.referrals.filter((r) => r.status === status) : user.referrals;
      return [200, paginate(items, url.searchParams.get('limit'), url.searchParams.get('cursor'))];
    }
    if (path === '/api/referrals/summary' && m === 'GET') return [200, referralData(user)];

    // Notifications: an empty feed, default preferences kept in memory, a webhook that is never called.
    if (path === '/api/notifications' && m === 'GET') return [200, { items: [], next_cursor: null, unread: 0 }];
    if (path === '/api/notifications/read' && m === 'POST') return [204];
    if (path === '/api/notifications/preferences') {
      user.preferences ??= ['node.offline', 'node.online', 'referral.joined', 'referral.rewarded', 'bonus.credited', 'security.login', 'security.wallet_linked', 'webhook.disabled'].map(
        (type) => ({ type, in_app: true, webhook: type !== 'webhook.disabled', email: !type.startsWith('referral') && type !== 'bonus.credited' }),
      );
      if (m === 'PUT') {
        for (const change of body?.preferences ?? []) Object.assign(user.preferences.find((p) => p.type === change.type) ?? {}, change);
      }
      return [200, { preferences: user.preferences }];
    }
    if (path === '/api/notifications/webhook') {
      if (m === 'PUT') {
        user.webhook = { url: body?.url, disabled_at: null, created_at: nowIso() };
        return [200, { url: body?.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }];
      }
      if (m === 'DELETE') {
        user.webhook = undefined;
        return [204];
      }
      if (user.webhook) return [200, user.webhook];
      throw new HttpError(404, 'EntityNotFound', 'Webhook endpoint not found');
    }
    if (path === '/api/notifications/webhook/test' && m === 'POST') return [202];
    if (path === '/api/notifications/webhook/deliveries' && m === 'GET') return [200, { items: [], next_cursor: null }];

    if (path.startsWith('/api/admin/')) {
      if (!isAdmin(user)) throw new HttpError(403, 'Forbidden', 'Administrator role required');
      if (path === '/api/admin/users' && m === 'GET') {
        const q = (url.searchParams.get('q') ?? '').toLowerCase();
        const list = [...users.values()]
          .filter((u) => !q || u.email.includes(q) || u.username.toLowerCase().includes(q))
          .map((u) => ({ ...publicUser(u), role: isAdmin(u) ? 'admin' : 'user', disabled_at: u.disabledAt ?? null }));
        return [200, paginate(list, url.searchParams.get('limit') ?? 25, url.searchParams.get('cursor'))];
      }
      const bonus = path.match(/^\/api\/admin\/users\/(\d+)\/bonus$/);
      if (bonus && m === 'POST') {
        const target = users.get(Number(bonus[1]));
        if (!target) throw new HttpError(404, 'EntityNotFound', 'User not found');
        validate(body, ['amount', 'reason'], {
          amount: (v) => (typeof v === 'number' && v > 0 && v <= 1_000_000 ? null : 'amount must be > 0 and at most 1000000'),
          reason: (v) => (typeof v === 'string' && v.trim() ? null : 'reason must not be empty'),
        });
        addToBucket(target, 'bonus', body.amount);
        pushEarnings(target);
        return [201, { id: nextId++, user_id: target.id, amount: body.amount, source: 'Bonus', timestamp: nowIso(), epoch: earningsData(target).current_epoch }];
      }
      const disable = path.match(/^\/api\/admin\/users\/(\d+)\/disable$/);
      if (disable && m === 'POST') {
        const target = users.get(Number(disable[1]));
        if (!target) throw new HttpError(404, 'EntityNotFound', 'User not found');
        target.disabled = true;
        target.disabledAt = nowIso();
        revokeUser(target.id);
        for (const s of sockets) if (s.userId === target.id) closeSocket(s, 4401, 'Unauthorized', 'Account disabled');
        return [204];
      }
    }
    throw new HttpError(404, 'EntityNotFound', `Cannot ${m} ${path}`);
  }

  // ---------- WebSocket ----------

  function send(s, type, payload) {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify(payload === undefined ? { type } : { type, payload }));
  }

  function closeSocket(s, code, error, message) {
    if (error) send(s, 'Error', { error, message });
    send(s, 'Disconnect', { reason: message ?? `closed with ${code}` });
    s.ws.close(code, message?.slice(0, 100));
  }

  function pushEarnings(u) {
    for (const s of sockets) if (s.userId === u.id && s.connected) send(s, 'EarningsUpdate', { earnings: earningsData(u) });
  }
  function pushNetworks(u) {
    for (const s of sockets) if (s.userId === u.id && s.connected) send(s, 'NetworkUpdate', { networks: u.networks });
  }
  function pushReferrals(u) {
    for (const s of sockets) if (s.userId === u.id && s.connected) send(s, 'ReferralUpdate', { referrals: referralData(u) });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16_384 });

  function onSocket(ws, req) {
    counters.upgrades += 1;
    const url = new URL(req.url, 'http://x');
    const tok = url.searchParams.get('token') ?? (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const s = { ws, userId: null, connected: false, heartbeats: 0 };
    try {
      s.userId = authUser(tok).id;
    } catch (e) {
      send(s, 'Error', { error: e.error ?? 'Unauthorized', message: e.message });
      ws.close(4401, e.error ?? 'Unauthorized');
      return;
    }
    sockets.add(s);
    const connectTimer = setTimeout(() => {
      if (!s.connected) closeSocket(s, 4408, null, 'No Connect in time');
    }, 10_000);
    ws.on('close', (code) => {
      clearTimeout(connectTimer);
      sockets.delete(s);
      counters.closes[code] = (counters.closes[code] ?? 0) + 1;
    });
    ws.on('message', (data, isBinary) => {
      let msg;
      try {
        msg = JSON.parse(isBinary ? '' : data.toString());
      } catch {
        send(s, 'Error', { error: 'MessageParseError', message: 'Frame is not valid JSON' });
        return;
      }
      switch (msg?.type) {
        case 'Connect': {
          const p = msg.payload ?? {};
          counters.connectFrames.push(p);
          if (counters.connectFrames.length > 20) counters.connectFrames.shift();
          if (typeof p.device_id !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(p.device_id)) {
            send(s, 'Error', { error: 'InvalidNetworkData', message: 'device_id must be 1-64 of [A-Za-z0-9._:-]' });
            return;
          }
          if (p.user_id !== undefined && p.user_id !== s.userId) {
            closeSocket(s, 4401, 'Unauthorized', 'user_id does not match the token');
            return;
          }
          clearTimeout(connectTimer);
          s.connected = true;
          counters.connects += 1;
          const u = users.get(s.userId);
          send(s, 'Connected', {
            session_id: randomBytes(8).toString('hex'),
            user_id: u.id,
            device_id: p.device_id,
            role: p.role ?? 'node',
            heartbeat_interval_ms: cfg.heartbeatMs,
            server_time: nowIso(),
          });
          send(s, 'NetworkUpdate', { networks: u.networks });
          send(s, 'EarningsUpdate', { earnings: earningsData(u) });
          send(s, 'ReferralUpdate', { referrals: referralData(u) });
          send(s, 'NotificationUpdate', { unread: 0 });
          break;
        }
        case 'Heartbeat':
          s.heartbeats += 1;
          counters.heartbeats += 1;
          send(s, 'Heartbeat');
          break;
        case 'Disconnect':
          ws.close(1000, 'bye');
          break;
        default:
          send(s, 'Error', { error: 'MessageParseError', message: 'Unknown message type' });
      }
    });
  }

  // Accrue and push: every online node earns POINTS_PER_HOUR × score, sped up by MOCK_SPEED.
  const ticker = setInterval(() => {
    const watched = new Set([...sockets].filter((s) => s.connected).map((s) => s.userId));
    for (const u of users.values()) {
      if (u.disabled) continue;
      let earned = 0;
      for (const n of u.networks) {
        if (!n.connected) continue;
        const amount = round6((60 / 3600) * n.network_score * (cfg.pushMs / 1000) * cfg.speed);
        n.points_earned = round6(n.points_earned + amount);
        n.connection_time += Math.round(cfg.pushMs / 1000);
        n.updated_at = nowIso();
        earned += amount;
      }
      if (earned > 0) {
        addToBucket(u, 'network', earned);
        const referrer = u.referrerId && users.get(u.referrerId);
        if (referrer) {
          addToBucket(referrer, 'referral', round6(earned * 0.2));
          const r = referrer.referrals.find((x) => x.referee_id === u.id);
          if (r) r.points = round6(r.points + earned * 0.2);
        }
      }
      if (watched.has(u.id)) {
        pushEarnings(u);
        pushNetworks(u);
      }
    }
  }, cfg.pushMs);

  // ---------- static files ----------

  // Stricter than @fastify/helmet's default policy (no inline styles, no https: sources) and without
  // upgrade-insecure-requests (this serves plain HTTP). The smoke test fails on any violation, so
  // the bundle stays compatible with both.
  const CSP = [
    "default-src 'self'",
    "base-uri 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self'",
  ].join(';');

  const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.json': 'application/json',
    '.woff2': 'font/woff2',
  };

  function serveStatic(req, res, url) {
    const root = cfg.distDir;
    let file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root + sep) && file !== root) return json(res, 404, { error: 'EntityNotFound', message: 'Not found' });
    const isAsset = url.pathname.startsWith('/assets/');
    if (!existsSync(file) || statSync(file).isDirectory()) {
      if (isAsset) return json(res, 404, { error: 'EntityNotFound', message: 'Not found' });
      file = join(root, 'index.html'); // client routes fall back to the app shell
    }
    if (!existsSync(file)) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      return res.end('web/dist is missing: run `npm run build:web` first\n');
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': CSP,
    });
    createReadStream(file).pipe(res);
  }

  function json(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': randomBytes(6).toString('hex') });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  function readBody(req) {
    return new Promise((ok, fail) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        if (!data) return ok(undefined);
        try {
          ok(JSON.parse(data));
        } catch {
          fail(new HttpError(400, 'ValidationError', 'Body is not valid JSON'));
        }
      });
      req.on('error', fail);
    });
  }

  async function handleMock(req, res, url) {
    const p = url.searchParams;
    const byEmail = (email) => [...users.values()].find((u) => u.email === String(email ?? '').toLowerCase());
    switch (url.pathname) {
      case '/__mock/state':
        return json(res, 200, {
          sockets: [...sockets].map((s) => ({ userId: s.userId, connected: s.connected, heartbeats: s.heartbeats })),
          users: users.size,
          ...counters,
        });
      case '/__mock/close': {
        const code = Number(p.get('code') ?? 1001);
        const target = p.get('email') ? byEmail(p.get('email')) : null;
        let closed = 0;
        for (const s of [...sockets]) {
          if (target && s.userId !== target.id) continue;
          if (code === 4401) closeSocket(s, code, 'SessionExpired', 'Access token expired');
          else if (code === 1006) s.ws.terminate();
          else closeSocket(s, code, null, `mock close ${code}`);
          closed += 1;
        }
        return json(res, 200, { closed });
      }
      case '/__mock/expire-access':
        for (const v of accessTokens.values()) v.exp = 0;
        return json(res, 200, { ok: true });
      case '/__mock/referral': {
        const u = byEmail(p.get('email'));
        if (!u) return json(res, 404, { error: 'EntityNotFound', message: 'no such user' });
        u.referrals.unshift(referral(u, `friend_${randomBytes(2).toString('hex')}`, 'Pending', 0, 0));
        pushReferrals(u);
        return json(res, 200, referralData(u));
      }
      case '/__mock/seed': {
        const u = createUser({ email: String(p.get('email')).toLowerCase(), username: p.get('username'), password: p.get('password') });
        return json(res, 201, publicUser(u));
      }
      default:
        return json(res, 404, { error: 'EntityNotFound', message: 'unknown mock hook' });
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, `http://${req.headers.host ?? 'localhost'}`);
    try {
      if (url.pathname.startsWith('/api/')) {
        const body = req.method === 'GET' ? undefined : await readBody(req);
        const [status, payload] = await handleApi(req, url, body);
        if (!cfg.quiet) console.log(`${req.method} ${url.pathname}${url.search} → ${status}`);
        return json(res, status, payload);
      }
      if (url.pathname.startsWith('/__mock/')) return await handleMock(req, res, url);
      if (url.pathname === '/health/live' || url.pathname === '/health/ready') return json(res, 200, { status: 'ok', info: {}, error: {}, details: {} });
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 404, { error: 'EntityNotFound', message: 'Not found' });
      return serveStatic(req, res, url);
    } catch (err) {
      if (err instanceof HttpError) {
        if (!cfg.quiet) console.log(`${req.method} ${url.pathname}${url.search} → ${err.status} ${err.error}`);
        return json(res, err.status, {
          error: err.error,
          message: err.message,
          request_id: randomBytes(8).toString('base64url'),
          ...(err.details ? { details: err.details } : {}),
        });
      }
      console.error(err);
      return json(res, 500, { error: 'InternalError', message: 'Internal server error' });
    }
  });

  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (pathname !== '/ws/dashboard') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, req));
  });

  return new Promise((ok) => {
    server.listen(cfg.port, cfg.host, () => {
      const { port } = server.address();
      const url = `http://${cfg.host}:${port}`;
      if (!cfg.quiet) console.log(`mock backend on ${url} (serving ${cfg.distDir})`);
      ok({
        url,
        port,
        close: () =>
          new Promise((done) => {
            clearInterval(ticker);
            for (const s of sockets) s.ws.terminate();
            wss.close();
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { close } = await startMockServer();
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
