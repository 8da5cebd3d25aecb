/**
 * The baseline: a bare `ws` server speaking the subset of the service's protocol that the
 * benchmarks use, with the least work a correct server of this protocol must do — the Node limit.
 *
 * - Upgrade on any path with `?token=<jwt>`: HS256 signature checked once (node:crypto), user id
 *   taken from `sub`. No session lookup, no database.
 * - `Connect {device_id, role}` → `Connected {…}` (same fields as the service's);
 *   `Heartbeat` → the pre-encoded `Heartbeat` frame; a one-second window message counter per socket.
 * - One sweep timer closes sockets silent for CLIENT_TIMEOUT_MS (as the service does).
 * - With --redis-prefix P it subscribes to P + 'user:*' (the service's per-user channels) and, for
 *   each `earnings.changed` event, sends an EarningsUpdate frame of the service's shape straight
 *   to that user's sockets: the fan-out and cross-instance baselines.
 * - GET /stats → {rss, heapUsed, connections} for the benchmark.
 *
 * Usage: node bench/baseline/bare-ws-server.mjs --port 0 [--redis-prefix dash:] [--redis-url …]
 * Prints `listening <port>` on stdout once ready.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from '../lib/proc.mjs';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('ws');

const options = parseArgs(process.argv.slice(2), {
  port: 0,
  secret: process.env.JWT_SECRET ?? '',
  redisPrefix: '',
  redisUrl: 'redis://127.0.0.1:6379',
  heartbeatIntervalMs: 30_000,
  clientTimeoutMs: 90_000,
  maxMessagesPerSecond: 20,
});
const secret = Buffer.from(options.secret);
const HEARTBEAT = JSON.stringify({ type: 'Heartbeat' });

/** userId → set of per-socket state objects */
const byUser = new Map();
let connections = 0;
let sessionSeq = 0;

function verify(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return null;
  return Number.isSafeInteger(claims.sub) ? claims.sub : null;
}

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    const memory = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rss: memory.rss, heapUsed: memory.heapUsed, connections }));
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 16_384 });

wss.on('connection', (ws, request) => {
  const token = new URL(request.url ?? '/', 'ws://localhost').searchParams.get('token') ?? '';
  const userId = verify(token);
  if (userId === null) {
    ws.send(JSON.stringify({ type: 'Error', payload: { error: 'Unauthorized', message: 'Invalid access token' } }));
    ws.close(4401);
    return;
  }
  const state = { ws, userId, deviceId: null, role: null, lastMessageAt: Date.now(), windowStart: 0, windowCount: 0 };
  connections += 1;
  let set = byUser.get(userId);
  if (set === undefined) byUser.set(userId, (set = new Set()));
  set.add(state);
  ws.on('message', (data) => onMessage(state, data));
  ws.on('close', () => {
    connections -= 1;
    set.delete(state);
    if (set.size === 0) byUser.delete(userId);
  });
  ws.on('error', () => undefined);
});

function onMessage(state, data) {
  const now = Date.now();
  state.lastMessageAt = now;
  if (now - state.windowStart >= 1_000) {
    state.windowStart = now;
    state.windowCount = 0;
  }
  if (++state.windowCount > options.maxMessagesPerSecond) return;
  let message;
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    state.ws.send(JSON.stringify({ type: 'Error', payload: { error: 'MessageParseError', message: 'Frame is not valid JSON' } }));
    return;
  }
  switch (message?.type) {
    case 'Heartbeat':
      state.ws.send(HEARTBEAT);
      return;
    case 'Connect':
      state.deviceId = message.payload?.device_id ?? null;
      state.role = message.payload?.role ?? 'node';
      state.ws.send(
        JSON.stringify({
          type: 'Connected',
          payload: {
            session_id: `s${++sessionSeq}`,
            user_id: state.userId,
            device_id: state.deviceId,
            role: state.role,
            heartbeat_interval_ms: options.heartbeatIntervalMs,
            server_time: new Date(now).toISOString(),
          },
        }),
      );
      return;
    case 'Disconnect':
      state.ws.close(1000);
      return;
    default:
      return;
  }
}

setInterval(() => {
  const now = Date.now();
  for (const set of byUser.values()) {
    for (const state of set) if (now - state.lastMessageAt > options.clientTimeoutMs) state.ws.close(4000);
  }
}, 1_000).unref();

/** An EarningsData of the service's shape (values change with every update). */
let updateSeq = 0;
function earningsFrame(userId) {
  const total = (1_000 + userId + ++updateSeq / 1e6).toFixed(6);
  return JSON.stringify({
    type: 'EarningsUpdate',
    payload: {
      earnings: {
        total: Number(total),
        today: Number(total),
        current_epoch: 332,
        epoch_total: Number(total),
        by_source: { network: Number(total), referral: 0, bonus: 0 },
        updated_at: new Date().toISOString(),
      },
    },
  });
}

if (options.redisPrefix !== '') {
  const Redis = require('ioredis');
  const subscriber = new Redis(options.redisUrl, { lazyConnect: true });
  await subscriber.connect();
  const channelPrefix = `${options.redisPrefix}user:`;
  await subscriber.psubscribe(`${channelPrefix}*`);
  subscriber.on('pmessage', (_pattern, channel, message) => {
    if (!message.includes('"earnings.changed"')) return;
    const userId = Number(channel.slice(channelPrefix.length));
    const set = byUser.get(userId);
    if (set === undefined) return;
    const frame = earningsFrame(userId);
    for (const state of set) if (state.role !== null) state.ws.send(frame);
  });
}

// The service's accept queue (LISTEN_BACKLOG in src/server.ts), so that a storm compares servers, not kernel queues.
server.listen({ port: options.port, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});
