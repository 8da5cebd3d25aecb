import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Histogram } from './stats.mjs';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.mjs');
/** Sockets one client process may hold: its file limit is 20,000, and it needs a few for itself. */
export const MAX_SOCKETS_PER_PROCESS = 19_500;

/**
 * Client processes (bench/lib/worker.mjs) and the commands to drive them together. Worker w
 * binds its sockets to source addresses 127.0.0.(2 + w·A) … (1 + (w+1)·A), so no process and no
 * address runs out of ephemeral ports.
 */
export class Fleet {
  constructor(size, { addressesPerWorker = 4 } = {}) {
    this.workers = Array.from({ length: size }, (_, w) => {
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      const waiting = new Map();
      child.on('message', (message) => {
        const resolve = waiting.get(message.id);
        waiting.delete(message.id);
        resolve?.(message);
      });
      child.on('exit', () => {
        for (const resolve of waiting.values()) resolve({ error: 'worker exited' });
        waiting.clear();
      });
      const addresses = Array.from({ length: addressesPerWorker }, (_, a) => `127.0.0.${2 + w * addressesPerWorker + a}`);
      let nextId = 1;
      return {
        child,
        addresses,
        call(message) {
          const id = nextId++;
          return new Promise((resolve) => {
            waiting.set(id, resolve);
            child.send({ ...message, id });
          });
        },
      };
    });
  }

  static forSockets(count, minimum = 2) {
    return new Fleet(Math.max(minimum, Math.ceil(count / MAX_SOCKETS_PER_PROCESS)));
  }

  /**
   * Opens `specs` ([{path, connect}]) split evenly across the workers; resolves when all settled.
   * `reconnectTo` ({ports, backoffMs}) spreads them over several instances of one host and makes
   * the sockets reconnect elsewhere when an instance closes them (bench/cluster.mjs).
   */
  async open(url, specs, { reconnectTo = null } = {}) {
    const { hostname, port } = new URL(url);
    const parts = this.workers.map(() => []);
    specs.forEach((spec, i) => parts[i % parts.length].push(spec));
    await Promise.all(
      this.workers.map((worker, w) =>
        worker.call({ cmd: 'open', host: hostname, port: Number(port), specs: parts[w], addresses: worker.addresses, reconnectTo }),
      ),
    );
  }

  broadcast(message) {
    return Promise.all(this.workers.map((worker) => worker.call(message)));
  }

  heartbeat(intervalMs, jitter = 0.2) {
    return this.broadcast({ cmd: 'heartbeat', intervalMs, jitter });
  }

  stopHeartbeat() {
    return this.broadcast({ cmd: 'stop-heartbeat' });
  }

  /** Counters and histograms summed over the workers. */
  async stats(reset = false) {
    const parts = await this.broadcast({ cmd: 'stats', reset });
    const total = {
      sockets: 0,
      connected: 0,
      notConnected: { backoff: 0, dialling: 0, upgraded: 0 },
      handshakeTimeouts: 0,
      hbSent: 0,
      hbReceived: 0,
      errors: 0,
      updates: 0,
      frames: {},
      closes: {},
      rtt: new Histogram(),
      connectLatency: new Histogram(),
      updateLatency: new Histogram(),
      lastError: null,
      clientRss: 0,
      reconnects: 0,
      rttByPort: new Map(),
    };
    for (const part of parts) {
      total.sockets += part.sockets;
      total.connected += part.connected;
      for (const [k, v] of Object.entries(part.notConnected ?? {})) total.notConnected[k] += v;
      total.handshakeTimeouts += part.counters.handshakeTimeouts ?? 0;
      total.hbSent += part.counters.hbSent;
      total.hbReceived += part.counters.hbReceived;
      total.errors += part.counters.errors;
      total.updates += part.counters.updates;
      for (const [k, v] of Object.entries(part.counters.frames)) total.frames[k] = (total.frames[k] ?? 0) + v;
      for (const [k, v] of Object.entries(part.counters.closes)) total.closes[k] = (total.closes[k] ?? 0) + v;
      total.rtt.merge(part.rtt);
      total.connectLatency.merge(part.connectLatency);
      total.updateLatency.merge(part.updateLatency);
      total.lastError ??= part.lastError;
      total.clientRss += part.memory;
      total.reconnects += part.counters.reconnects ?? 0;
      for (const [port, histogram] of part.rttByPort ?? []) {
        if (!total.rttByPort.has(port)) total.rttByPort.set(port, new Histogram());
        total.rttByPort.get(port).merge(histogram);
      }
    }
    return total;
  }

  /**
   * Per socket: [userId, device_id, lower s, upper s, reconnects, abnormal closes]: the bounds of
   * the uptime it may have been credited, and how often its instance vanished under it.
   */
  async credits() {
    return (await this.broadcast({ cmd: 'credits' })).flatMap((part) => part.credits);
  }

  /** Starts a fan-out round: every worker timestamps frames of `type` from now on. */
  startRound(round, type = 'EarningsUpdate') {
    return this.broadcast({ cmd: 'round', round, type });
  }

  async roundTimes() {
    return (await this.broadcast({ cmd: 'round-times' })).flatMap((part) => part.times);
  }

  /** Closed-loop HTTP load from every worker; results merged. */
  async http(url, path, tokens, connections, durationMs) {
    const { hostname, port } = new URL(url);
    const per = Math.max(1, Math.round(connections / this.workers.length));
    const parts = await Promise.all(
      this.workers.map((worker, w) =>
        worker.call({
          cmd: 'http',
          host: hostname,
          port: Number(port),
          path,
          tokens: tokens.filter((_, i) => i % this.workers.length === w),
          connections: per,
          durationMs,
          addresses: worker.addresses,
        }),
      ),
    );
    const latency = new Histogram();
    let completed = 0;
    let errors = 0;
    let elapsedMs = 0;
    const statuses = {};
    for (const part of parts) {
      latency.merge(part.latency);
      completed += part.completed;
      errors += part.errors;
      elapsedMs = Math.max(elapsedMs, part.elapsedMs);
      for (const [k, v] of Object.entries(part.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    }
    return { completed, errors, statuses, latency, rate: completed / (elapsedMs / 1000), connections: per * this.workers.length };
  }

  async close() {
    await Promise.all(this.workers.map((worker) => worker.call({ cmd: 'close' })));
  }
}

/** Socket specs for node sessions: `perUser` devices for each user. */
export function nodeSpecs(users, perUser, { endpoint = '/ws/dashboard', prefix = 'dev' } = {}) {
  const specs = [];
  for (let d = 0; d < perUser; d++) {
    for (const user of users) {
      specs.push({
        path: `${endpoint}?token=${user.token}`,
        connect: { device_id: `${prefix}-${d}`, role: 'node' },
      });
    }
  }
  return specs;
}

/** Socket specs for dashboards (role viewer). */
export function viewerSpecs(users, perUser, { endpoint = '/ws/dashboard' } = {}) {
  const specs = [];
  for (let d = 0; d < perUser; d++) {
    for (const user of users) {
      specs.push({ path: `${endpoint}?token=${user.token}`, connect: { device_id: `view-${d}`, role: 'viewer' } });
    }
  }
  return specs;
}
