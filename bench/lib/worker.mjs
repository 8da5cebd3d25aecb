/**
 * A load-generator process, driven by its parent over IPC. It holds WebSocket clients (node and
 * dashboard sockets, spread over 127.0.0.x source addresses) or HTTP keep-alive connections, and
 * reports counters and latency histograms on request. One process holds at most ~19,500 sockets
 * (file limit 20,000), so the parent forks as many as the load needs.
 */
import net from 'node:net';
import { clientFrame, frameType, LeanSocket } from './lean-ws.mjs';
import { Histogram, nowMs } from './stats.mjs';

const HEARTBEAT = clientFrame('{"type":"Heartbeat"}');
const MAX_CONNECTING = 256;
/**
 * A reconnecting socket not Connected this long after it dialled is dropped and tried again, as a
 * node app's handshake timeout does: one connection lost between accept and upgrade would
 * otherwise wait forever (and a cluster phase with it).
 */
const HANDSHAKE_TIMEOUT_MS = 30_000;
const TICK_MS = 10;

const sockets = [];
/** Sockets of `sockets` that are Connected now. */
let connectedCount = 0;
let counters = freshCounters();
let rtt = new Histogram();
let connectLatency = new Histogram();
let updateLatency = new Histogram();
let round = { id: 0, times: [], type: 'EarningsUpdate' };
/** Heartbeat round trips by the port of the instance that answered (cluster runs). */
let rttByPort = new Map();
/** Cluster runs: where a socket closed by the server reconnects, and how soon. */
let reconnect = null;
let closingAll = false;
let heartbeatTimer = null;
let lastError = null;

function freshCounters() {
  return { hbSent: 0, hbReceived: 0, frames: {}, errors: 0, closes: {}, updates: 0 };
}

function reply(id, body) {
  process.send({ id, ...body });
}

process.on('message', (message) => {
  switch (message.cmd) {
    case 'open':
      return void open(message).then(() => reply(message.id, { ok: true }));
    case 'heartbeat':
      startHeartbeats(message.intervalMs, message.jitter ?? 0.2);
      return reply(message.id, { ok: true });
    case 'stop-heartbeat':
      clearInterval(heartbeatTimer);
      heartbeatTimer = null;
      return reply(message.id, { ok: true });
    case 'round':
      round = { id: message.round, times: [], type: message.type ?? 'EarningsUpdate' };
      return reply(message.id, { ok: true });
    case 'round-times':
      return reply(message.id, { times: round.times });
    case 'stats':
      return reply(message.id, stats(message.reset === true));
    case 'credits':
      return reply(message.id, { credits: credits() });
    case 'close':
      return void closeAll().then(() => {
        reply(message.id, { ok: true });
        setTimeout(() => process.exit(0), 50);
      });
    case 'http':
      return void httpLoad(message).then((result) => reply(message.id, result));
    default:
      return reply(message.id, { error: `unknown command ${message.cmd}` });
  }
});

// ------------------------------------------------------------------------------ WebSockets

/**
 * Opens sockets: `specs` [{path, connect}] spread over `addresses`; Connect sent on open. With
 * `reconnectTo` ({ports, backoffMs: [first, cap]}), the sockets are spread over those ports (as a
 * consistent-hash L4 balancer would) and a socket the server closes reconnects to another port of
 * the list after an exponential backoff with full jitter (`reconnectDelayMs`) — as a node app
 * whose instance went away does, and as docs/API.md asks of clients.
 */
async function open({ host, port, specs, addresses, reconnectTo = null }) {
  reconnect = reconnectTo;
  let next = 0;
  let inFlight = 0;
  await new Promise((resolve) => {
    const launch = () => {
      while (inFlight < MAX_CONNECTING && next < specs.length) {
        const index = next++;
        inFlight += 1;
        const target = reconnect === null ? port : reconnect.ports[index % reconnect.ports.length];
        connectOne(host, target, specs[index], addresses[(sockets.length + index) % addresses.length], () => {
          inFlight -= 1;
          if (next >= specs.length && inFlight === 0) resolve();
          else launch();
        });
      }
      if (specs.length === 0) resolve();
    };
    launch();
  });
}

function connectOne(host, port, spec, localAddress, settled) {
  const state = { spec, host, port, localAddress, sentAt: [], connected: false, settled: false, credit: { lower: 0, upper: 0 }, reconnects: 0, abnormalCloses: 0, failedAttempts: 0 };
  state.settle = () => {
    if (state.settled) return;
    state.settled = true;
    settled();
  };
  dial(state);
  sockets.push(state);
}

/** One session of a socket: connect, Connect, and on close the uptime bounds of the session. */
function dial(state) {
  const startedAt = nowMs();
  const session = { connectSentAt: startedAt, connectedAt: 0, lastAnsweredSentAt: 0, upgraded: false, timer: null };
  state.session = session;
  state.waiting = false;
  const connectFrame = clientFrame(JSON.stringify({ type: 'Connect', payload: state.spec.connect }));
  const socket = new LeanSocket({
    host: state.host,
    port: state.port,
    path: state.spec.path,
    localAddress: state.localAddress,
    onOpen: (s) => {
      session.upgraded = true;
      s.send(connectFrame);
    },
    onFrame: (s, _opcode, payload) => onFrame(state, payload, startedAt, state.settle),
    onClose: (_s, code, error) => {
      // An upgrade refused with an HTTP status (503 at WS_MAX_CONNECTIONS) is counted as "http<status>".
      const refusedWith = code === 0 ? /^upgrade refused: HTTP\/1\.1 (\d{3})/.exec(error?.message ?? '')?.[1] : undefined;
      const key = refusedWith === undefined ? code : `http${refusedWith}`;
      counters.closes[key] = (counters.closes[key] ?? 0) + 1;
      if (!state.connected) {
        counters.errors += 1;
        if (error) lastError = error.message;
      }
      // What the server may have credited for this session: at least Connected → the send of
      // the last answered heartbeat, at most Connect sent → close.
      // A connection that dropped without a close frame: the instance died (or the network did).
      if (session.connectedAt > 0 && code === 1006) state.abnormalCloses += 1;
      if (session.connectedAt > 0) {
        state.credit.lower += Math.max(0, session.lastAnsweredSentAt - session.connectedAt);
        state.credit.upper += nowMs() - session.connectSentAt;
      }
      clearTimeout(session.timer);
      // Attempts in a row that never reached Connected (refused, full, unreachable) grow the backoff.
      // A refusal with Retry-After (a full instance) leaves the count as it is.
      if (session.connectedAt > 0) state.failedAttempts = 0;
      else if (error?.retryAfterMs === undefined) state.failedAttempts += 1;
      if (state.connected) connectedCount -= 1;
      state.connected = false;
      state.sentAt = [];
      if (reconnect !== null && !closingAll) {
        // Another instance, chosen at random: a dead instance's sockets spread over the others.
        const index = reconnect.ports.indexOf(state.port);
        const others = reconnect.ports.length - 1;
        state.port = others === 0 ? state.port : reconnect.ports[(index + 1 + Math.floor(Math.random() * others)) % reconnect.ports.length];
        state.reconnects += 1;
        counters.reconnects = (counters.reconnects ?? 0) + 1;
        state.waiting = true;
        // A refusal that says when to come back (503 + Retry-After from a full instance) is taken
        // at its word, with jitter, and does not grow the backoff: the instance is up, only full.
        const delay = error?.retryAfterMs !== undefined ? error.retryAfterMs * (0.5 + Math.random()) : reconnectDelayMs(reconnect.backoffMs, state.failedAttempts);
        setTimeout(() => closingAll || dial(state), delay);
      }
      state.settle();
    },
  });
  state.socket = socket;
  if (reconnect !== null) {
    session.timer = setTimeout(() => {
      if (!state.connected) {
        counters.handshakeTimeouts = (counters.handshakeTimeouts ?? 0) + 1;
        socket.destroy();
      }
    }, HANDSHAKE_TIMEOUT_MS);
    session.timer.unref();
  }
}

/**
 * Exponential backoff with full jitter: uniform in [0, min(cap, first × 2^failures)], never under
 * `first / 2`. A socket whose session was up reconnects within `first`; each refused attempt in a
 * row doubles the window up to `cap`, so sockets refused at capacity stop hammering the instances
 * (a fixed 0.2–2 s retry kept four saturated instances saturated for minutes).
 */
function reconnectDelayMs([first, cap], failures) {
  const window = Math.min(cap, first * 2 ** Math.min(failures, 20));
  return Math.max(first / 2, Math.random() * window);
}

/** Per socket: its user, device and the uptime bounds (s) of its closed sessions and the open one. */
function credits() {
  const now = nowMs();
  return sockets.map((state) => {
    const open = state.connected ? state.session : null;
    const lower = state.credit.lower + (open ? Math.max(0, open.lastAnsweredSentAt - open.connectedAt) : 0);
    const upper = state.credit.upper + (open ? now - open.connectSentAt : 0);
    return [state.spec.userId ?? null, state.spec.connect.device_id, lower / 1000, upper / 1000, state.reconnects, state.abnormalCloses];
  });
}

function onFrame(state, payload, startedAt, settle) {
  const now = nowMs();
  // The service's and the baseline's Heartbeat frame is exactly this text: 20 bytes.
  if (payload.length === 20 && payload[9] === 72 /* H */) {
    counters.hbReceived += 1;
    const sent = state.sentAt.shift();
    if (sent !== undefined) {
      rtt.record(now - sent);
      if (reconnect !== null) {
        if (!rttByPort.has(state.port)) rttByPort.set(state.port, new Histogram());
        rttByPort.get(state.port).record(now - sent);
      }
      if (state.session) state.session.lastAnsweredSentAt = sent;
    }
    return;
  }
  const type = frameType(payload);
  counters.frames[type] = (counters.frames[type] ?? 0) + 1;
  switch (type) {
    case 'Connected':
      if (!state.connected) connectedCount += 1;
      state.connected = true;
      clearTimeout(state.session?.timer);
      if (state.session) state.session.connectedAt = now;
      connectLatency.record(now - startedAt);
      settle();
      return;
    case 'Error':
      lastError = payload.toString('utf8').slice(0, 200);
      return;
    default:
      if (type === round.type && round.id > 0) round.times.push(now);
      if (type === 'EarningsUpdate') recordUpdateAge(payload);
  }
}

/** Age of an EarningsUpdate: now − its `updated_at` (when the ledger wrote the change). */
function recordUpdateAge(payload) {
  const text = payload.toString('utf8');
  const at = /"updated_at":"([^"]+)"/.exec(text);
  if (at === null) return;
  counters.updates += 1;
  updateLatency.record(Math.max(0, Date.now() - Date.parse(at[1])));
}

/**
 * Every open socket sends Heartbeat about every `intervalMs`, in an order reshuffled each cycle
 * (so a socket's gaps vary by up to ±`jitter` of the interval) at a steady aggregate rate.
 */
function startHeartbeats(intervalMs, jitter) {
  clearInterval(heartbeatTimer);
  let order = [];
  let cursor = 0;
  let credit = 0;
  let last = nowMs();
  const reshuffle = () => {
    const open = sockets.filter((s) => s.connected);
    // Jitter: each cycle moves every socket up to ±jitter/2 of a cycle from its previous slot.
    const keyed = open.map((s, i) => [i / Math.max(1, open.length) + (Math.random() - 0.5) * jitter, s]);
    keyed.sort((a, b) => a[0] - b[0]);
    order = keyed.map(([, s]) => s);
    cursor = 0;
  };
  reshuffle();
  heartbeatTimer = setInterval(() => {
    // Started while sockets are still connecting (a ramp): take in the newly connected ones each
    // time their number has doubled, not only at the end of a cycle over the first few.
    if (connectedCount > 0 && connectedCount >= 2 * order.length) reshuffle();
    const now = nowMs();
    credit += (order.length * (now - last)) / intervalMs;
    last = now;
    while (credit >= 1) {
      if (cursor >= order.length) {
        reshuffle();
        if (order.length === 0) break;
      }
      const state = order[cursor++];
      credit -= 1;
      if (!state.connected || !state.socket.open) continue;
      state.sentAt.push(nowMs());
      if (state.sentAt.length > 64) state.sentAt.shift();
      state.socket.send(HEARTBEAT);
      counters.hbSent += 1;
    }
    if (credit > order.length) credit = order.length; // behind by a whole cycle: drop, don't burst
  }, TICK_MS);
}

function stats(reset) {
  const open = sockets.reduce((n, s) => n + (s.connected ? 1 : 0), 0);
  // Where the sockets that are not Connected are: in their backoff, dialling (TCP or the upgrade),
  // or upgraded and waiting for Connected.
  const notConnected = { backoff: 0, dialling: 0, upgraded: 0 };
  for (const s of sockets) {
    if (s.connected) continue;
    if (s.waiting) notConnected.backoff += 1;
    else if (s.session?.upgraded) notConnected.upgraded += 1;
    else notConnected.dialling += 1;
  }
  const result = {
    sockets: sockets.length,
    connected: open,
    notConnected,
    counters,
    rtt: rtt.toJSON(),
    connectLatency: connectLatency.toJSON(),
    updateLatency: updateLatency.toJSON(),
    lastError,
    memory: process.memoryUsage().rss,
    rttByPort: [...rttByPort].map(([port, histogram]) => [port, histogram.toJSON()]),
  };
  if (reset) {
    counters = freshCounters();
    rttByPort = new Map();
    rtt = new Histogram();
    updateLatency = new Histogram();
  }
  return result;
}

async function closeAll() {
  closingAll = true;
  clearInterval(heartbeatTimer);
  for (const state of sockets) state.socket.close(1000);
  const deadline = Date.now() + 3_000;
  while (sockets.some((s) => !s.socket.closed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const state of sockets) state.socket.destroy();
}

// ------------------------------------------------------------------------------ HTTP

/**
 * Closed-loop HTTP/1.1 keep-alive load: `connections` connections, each sending the next GET as
 * soon as the previous response is complete, for `durationMs`. Responses are parsed just enough
 * (status line, Content-Length) to find their end.
 */
function httpLoad({ host, port, path, tokens, connections, durationMs, addresses }) {
  return new Promise((resolve) => {
    const latency = new Histogram();
    const statuses = {};
    let completed = 0;
    let errors = 0;
    let open = connections;
    const startedAt = nowMs();
    const deadline = startedAt + durationMs;
    for (let c = 0; c < connections; c++) {
      const token = tokens[c % tokens.length];
      const request = Buffer.from(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: keep-alive\r\n\r\n`,
      );
      const socket = net.connect({ host, port, localAddress: addresses[c % addresses.length] });
      socket.setNoDelay(true);
      let sentAt = 0;
      let pending = null;
      const send = () => {
        if (nowMs() >= deadline) return socket.end();
        sentAt = nowMs();
        socket.write(request);
      };
      socket.on('connect', send);
      socket.on('data', (chunk) => {
        let data = pending === null ? chunk : Buffer.concat([pending, chunk]);
        pending = null;
        for (;;) {
          const end = data.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = data.toString('latin1', 0, end);
          const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          if (data.length < end + 4 + length) break;
          const status = head.slice(9, 12);
          statuses[status] = (statuses[status] ?? 0) + 1;
          completed += 1;
          latency.record(nowMs() - sentAt);
          data = data.subarray(end + 4 + length);
          send();
        }
        if (data.length > 0) pending = Buffer.from(data);
      });
      socket.on('error', () => {
        errors += 1;
      });
      socket.on('close', () => {
        open -= 1;
        if (open === 0) {
          resolve({ completed, errors, statuses, latency: latency.toJSON(), elapsedMs: nowMs() - startedAt });
        }
      });
    }
  });
}
