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
const TICK_MS = 10;

const sockets = [];
let counters = freshCounters();
let rtt = new Histogram();
let connectLatency = new Histogram();
let updateLatency = new Histogram();
let round = { id: 0, times: [], type: 'EarningsUpdate' };
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

/** Opens sockets: `specs` [{path, connect}] spread over `addresses`; Connect sent on open. */
async function open({ host, port, specs, addresses }) {
  let next = 0;
  let inFlight = 0;
  await new Promise((resolve) => {
    const launch = () => {
      while (inFlight < MAX_CONNECTING && next < specs.length) {
        const index = next++;
        inFlight += 1;
        connectOne(host, port, specs[index], addresses[(sockets.length + index) % addresses.length], () => {
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
  const startedAt = nowMs();
  const state = { spec, sentAt: [], connected: false, settled: false };
  const settle = () => {
    if (state.settled) return;
    state.settled = true;
    settled();
  };
  const connectFrame = clientFrame(JSON.stringify({ type: 'Connect', payload: spec.connect }));
  const socket = new LeanSocket({
    host,
    port,
    path: spec.path,
    localAddress,
    onOpen: (s) => s.send(connectFrame),
    onFrame: (s, _opcode, payload) => onFrame(state, payload, startedAt, settle),
    onClose: (_s, code, error) => {
      counters.closes[code] = (counters.closes[code] ?? 0) + 1;
      if (!state.connected) {
        counters.errors += 1;
        if (error) lastError = error.message;
      }
      state.connected = false;
      settle();
    },
  });
  state.socket = socket;
  sockets.push(state);
}

function onFrame(state, payload, startedAt, settle) {
  const now = nowMs();
  // The service's and the baseline's Heartbeat frame is exactly this text: 20 bytes.
  if (payload.length === 20 && payload[9] === 72 /* H */) {
    counters.hbReceived += 1;
    const sent = state.sentAt.shift();
    if (sent !== undefined) rtt.record(now - sent);
    return;
  }
  const type = frameType(payload);
  counters.frames[type] = (counters.frames[type] ?? 0) + 1;
  switch (type) {
    case 'Connected':
      state.connected = true;
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
  const result = {
    sockets: sockets.length,
    connected: open,
    counters,
    rtt: rtt.toJSON(),
    connectLatency: connectLatency.toJSON(),
    updateLatency: updateLatency.toJSON(),
    lastError,
    memory: process.memoryUsage().rss,
  };
  if (reset) {
    counters = freshCounters();
    rtt = new Histogram();
    updateLatency = new Histogram();
  }
  return result;
}

async function closeAll() {
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
