/**
 * `npm run bench`: runs the service and a baseline on the same load, in the same run, and prints a
 * table of ratios (see BENCHMARKS.md). Phases:
 *
 *   memory      RSS per idle, connected, heartbeating node socket (~15,000 in one process)
 *   heartbeat   heartbeat throughput and round-trip p99 at increasing rates, with the service's
 *               event-loop delay p99 per step (prom-client's nodejs_eventloop_lag_p99_seconds)
 *   storm       reconnect storm: 2/3 of the node sockets connect at once while 1/3 heartbeat;
 *               time to all Connected, connect p99, failures, the steady sockets' RTT p99
 *   fleet       one user connecting 2,000 nodes at once, with a dashboard open: all connected?
 *               frames to the nodes (one NodeUpdate each) and bytes of NetworkUpdate to the viewer
 *   fanout      EarningsUpdate delivery rate and latency to 5,000 dashboard sockets
 *   cross       cross-instance delivery p99 through Redis at ~10,000 updates/s
 *   rest        GET /api/earnings/summary requests/s and p99 (read cache warm), then with 10% of the
 *               users' balances changing every second (credit + earnings.changed on Redis), with
 *               the cache hit rate (dashboard_read_cache_total)
 *   flush       one accrual flush of 100,000 users with referral tiers
 *   alerts      10,000 nodes dropping at once (their instance SIGKILLed): node.offline for each,
 *               by webhook to a local receiver, while the survivor's other nodes keep heartbeating
 *
 * Usage: node bench/bench.mjs [--smoke] [--only memory,heartbeat,…] [--out bench/results] [--profile] [--rest-ms 3000] [--compare-root DIR] [--storm-rounds N] [--storm-users N] [--storm-rate R] [--keep-users FILE] [--repeat N] [--service-flags=--flag1,--flag2]
 * The service under test is pinned to CPU 0 and the load generators to CPU 1 (taskset), so the
 * server side gets one whole core, like a container with one CPU.
 */
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { pool, registerUsers, request } from './lib/api.mjs';
import { Fleet, nodeSpecs, viewerSpecs } from './lib/fleet.mjs';
import { LeanSocket, frameType } from './lib/lean-ws.mjs';
import { lineChart } from './lib/plot.mjs';
import {
  collectGarbage,
  createDatabase,
  cpuOfCommand,
  MAIN_JS,
  parseArgs,
  REDIS_URL,
  ROOT,
  sleep,
  startBaseline,
  startService,
} from './lib/proc.mjs';
import { fmt, Histogram, median, nowMs } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');

const options = parseArgs(process.argv.slice(2), { smoke: false, only: '', out: '', pin: true, profile: false, serviceEnv: '', nice: -10, restMs: 0, compareRoot: '', rates: '', stormRounds: 1, stormUsers: 0, stormRate: 0, keepUsers: '', repeat: 1, serviceFlags: '' });
/** --service-env A=1,B=2: extra environment for every service instance (for diagnosis). */
const SERVICE_ENV = Object.fromEntries(options.serviceEnv.split(',').filter(Boolean).map((kv) => kv.split('=', 2)));
const SMOKE = options.smoke;
const SIZES = SMOKE
  ? { fleetNodes: 200, users: 12, nodesPerUser: 5, rates: [100, 300], stepMs: 800, settleMs: 1_000, viewersPerUser: 2, rounds: 2, crossUsers: 12, crossMs: 1_000, crossRate: 200, restConnections: [2, 8], restMs: 500, flushUsers: 300, flushRuns: 1, flushLargeUsers: 3_000, flushInstances: '1,2', alertUsers: 12, alertNodesPerUser: 5, alertSteadyPerUser: 1, alertSteadyRate: 50, alertMs: 1_000, alertBeforeMs: 1_500 }
  : { fleetNodes: 2_000, users: 1_000, nodesPerUser: 15, rates: [2_500, 5_000, 10_000, 20_000, 40_000], stepMs: 6_000, settleMs: 12_000, viewersPerUser: 5, rounds: 20, crossUsers: 1_000, crossMs: 15_000, crossRate: 10_000, restConnections: [4, 16, 64], restMs: 5_000, flushUsers: 100_000, flushRuns: 5, flushLargeUsers: 1_000_000, flushInstances: '1,2,4', alertUsers: 100, alertNodesPerUser: 100, alertSteadyPerUser: 20, alertSteadyRate: 2_000, alertMs: 5_000, alertBeforeMs: 15_000 };
/**
 * --rest-ms N: each REST step lasts N ms (a smoke run long enough to profile).
 * --compare-root DIR: the REST phase also runs the service built in another checkout (DIR/dist),
 * as the target "service (DIR)", so that a change is measured before and after in one run; so
 * do the memory, heartbeat, fan-out and cross-instance phases (as the target "compare", run
 * before the service).
 */
/**
 * --repeat N: the memory/heartbeat, fanout and cross phases run their targets N times, the order
 * reversed every other round, and each target reports its median round. A target's slot in the run
 * biases it (A/A runs of one build read ~1.15× fan-out and ~0.4 KiB/socket more memory in the second
 * slot), so a ratio within that bias needs --repeat 2 or more to be a claim.
 */
if (options.restMs > 0) SIZES.restMs = options.restMs;
/** --rates 2500,5000: the heartbeat steps (offered heartbeats per second in all) instead of the default ones. */
if (options.rates !== '') SIZES.rates = String(options.rates).split(',').map(Number);
const OUT = options.out || (SMOKE ? join(os.tmpdir(), `bench-smoke-${process.pid}`) : join(ROOT, 'bench', 'results'));
mkdirSync(OUT, { recursive: true });
const PHASES = options.only ? options.only.split(',') : ['memory', 'heartbeat', 'storm', 'fleet', 'fanout', 'cross', 'rest', 'flush', 'alerts'];
const SERVER_CPUS = options.pin && os.cpus().length >= 2 ? '0' : null;
const logFile = createWriteStream(join(OUT, 'bench.log'));
const startedAt = Date.now();
const results = { machine: machine(), sizes: SIZES, smoke: SMOKE, startedAt: new Date().toISOString() };

function log(message) {
  const line = `[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s] ${message}`;
  process.stdout.write(`${line}\n`);
  logFile.write(`${line}\n`);
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    postgres: safe(() => execFileSync('psql', ['--version']).toString().trim()),
    redis: safe(() => execFileSync('redis-server', ['--version']).toString().trim().split(' ').slice(0, 3).join(' ')),
    fileLimit: safe(() => execFileSync('bash', ['-c', 'ulimit -n']).toString().trim()),
    loadAverageAtStart: os.loadavg().map((v) => v.toFixed(2)).join(' '),
  };
}

function safe(fn) {
  try {
    return fn();
  } catch {
    return 'unknown';
  }
}

/**
 * Pins this process (and so every load-generator process it forks) to CPU 1, and raises its
 * priority (inherited by every server and client process it starts): on a machine shared with
 * other work, that work then disturbs the measurement less. Priority needs root; without it the
 * run goes on at normal priority.
 */
function pinSelf() {
  if (options.nice !== 0) {
    try {
      os.setPriority(options.nice);
      results.machine.priority = `nice ${options.nice}`;
    } catch {
      results.machine.priority = 'normal (could not raise it)';
    }
  }
  if (SERVER_CPUS === null) return;
  safe(() => execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' }));
}

async function progressWhile(fleet, label, work) {
  const timer = setInterval(async () => {
    const s = await fleet.stats();
    log(`  ${label}: ${s.connected}/${s.sockets} connected, ${s.errors} failed`);
  }, 5_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** With --profile: V8 CPU profiles of the servers under test, into <out>/profiles. */
/** --service-flags=--trace-gc,--max-semi-space-size=8: extra Node/V8 flags for every server under test (diagnosis; output goes to bench.log). */
const SERVICE_FLAGS = options.serviceFlags.split(',').filter(Boolean);

function profileArgs(label) {
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(OUT, 'profiles')}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`] : [];
  return [...SERVICE_FLAGS, ...profile];
}

/** Median of `samples` RSS readings one second apart. */
async function steadyRss(server, samples = 5) {
  const values = [];
  for (let i = 0; i < samples; i++) {
    values.push(server.stats().rss);
    await sleep(1_000);
  }
  return median(values);
}

// ------------------------------------------------------------------------------ setup

async function setup() {
  const db = await createDatabase('bench');
  // Only as many users as the phases run need (registration is argon2id-bound: minutes for 1,000).
  const count = PHASES.every((phase) => phase === 'fleet')
    ? 1 // the fleet phase needs one user
    : PHASES.every((phase) => phase === 'alerts' || phase === 'flush')
      ? SIZES.alertUsers
      : SIZES.users;
  log(`database ${db.name}; registering ${count} users through POST /api/auth/register …`);
  const registrar = await startService({ DATABASE_URL: db.url }, { label: 'registrar', logFile });
  const t = nowMs();
  let lastLog = 0;
  const { users, failures } = await registerUsers(registrar.url, count, {
    concurrency: 8,
    onProgress: (done) => {
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        log(`  registered ${done}/${count}`);
      }
    },
  });
  const seconds = (nowMs() - t) / 1000;
  results.registration = { users: users.length, failures, perSecond: users.length / seconds };
  log(`registered ${users.length} users in ${seconds.toFixed(1)} s (${(users.length / seconds).toFixed(0)}/s, ${failures} retries)`);
  await registrar.stop();
  return { db, users };
}

/**
 * --keep-users FILE: the database and registered users of an earlier run (kept, not dropped), or
 * a new one saved there for the next run — registration takes minutes, a phase under study less.
 * Drop the database yourself when done (its name is in FILE).
 */
async function usersForRun() {
  const file = options.keepUsers;
  if (file === '') return setup();
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    log(`database ${kept.db.name} and ${kept.users.length} users kept from an earlier run (${file})`);
    return { db: { ...kept.db, drop: () => Promise.resolve() }, users: kept.users };
  }
  const { db, users } = await setup();
  writeFileSync(file, JSON.stringify({ db: { name: db.name, url: db.url }, users }));
  return { db: { ...db, drop: () => Promise.resolve() }, users };
}

// ------------------------------------------------------------------------------ memory + heartbeat

/**
 * Starts the target, opens the node sockets, measures RSS per socket, then runs the heartbeat
 * rate steps on the same sockets.
 */
async function memoryAndHeartbeat(kind, db, users) {
  // --inspect only so that the benchmark can force a GC before reading memory (no session is
  // attached otherwise).
  const nodeArgs = ['--inspect=127.0.0.1:0', ...profileArgs(kind)];
  const server =
    kind === 'service'
      ? await startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label: 'service', logFile, nodeArgs })
      : kind === 'compare'
        ? await startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label: 'service-compare', logFile, nodeArgs, root: options.compareRoot })
        : await startBaseline('bench/baseline/bare-ws-server.mjs', ['--port', '0'], {}, { cpus: SERVER_CPUS, label: 'bare-ws', logFile, nodeArgs });
  const specs = nodeSpecs(users, SIZES.nodesPerUser);
  const fleet = Fleet.forSockets(specs.length);
  try {
    await sleep(SMOKE ? 200 : 1_000);
    const idleHeap = await collectGarbage(server);
    const idleRss = await steadyRss(server, 3);
    const t = nowMs();
    await progressWhile(fleet, `${kind} connecting`, () => fleet.open(server.url, specs));
    const openSeconds = (nowMs() - t) / 1000;
    let s = await fleet.stats(true);
    log(`${kind}: ${s.connected}/${specs.length} node sockets connected in ${openSeconds.toFixed(1)} s (${(s.connected / openSeconds).toFixed(0)}/s), connect p99 ${fmt(s.connectLatency.percentile(99))} ms, ${s.errors} failed${s.lastError ? ` (${s.lastError})` : ''}`);
    const connect = { seconds: openSeconds, perSecond: s.connected / openSeconds, p50: s.connectLatency.percentile(50), p99: s.connectLatency.percentile(99), failed: s.errors };

    // Idle and heartbeating at the lowest rate: let start-up work (snapshots, first flushes) settle.
    await fleet.heartbeat((specs.length / SIZES.rates[0]) * 1000);
    await sleep(SIZES.settleMs);
    const loadedHeap = await collectGarbage(server);
    const loadedRss = await steadyRss(server, SMOKE ? 2 : 5);
    s = await fleet.stats(true);
    const memory = {
      sockets: s.connected,
      idleRss,
      loadedRss,
      rssPerSocket: (loadedRss - idleRss) / Math.max(1, s.connected),
      heapPerSocket: (loadedHeap - idleHeap) / Math.max(1, s.connected),
      connect,
    };
    log(`${kind}: RSS ${(idleRss / 2 ** 20).toFixed(0)} → ${(loadedRss / 2 ** 20).toFixed(0)} MiB: ${(memory.rssPerSocket / 1024).toFixed(2)} KiB RSS, ${(memory.heapPerSocket / 1024).toFixed(2)} KiB heap per socket`);

    const steps = [];
    if (PHASES.includes('heartbeat')) {
      for (const rate of SIZES.rates) {
        await fleet.heartbeat((s.connected / rate) * 1000);
        await sleep(SMOKE ? 300 : 1_500);
        await fleet.stats(true);
        if (kind !== 'bare') await eventLoopDelayP99(server); // resets the service's histogram
        const cpu0 = server.stats().cpuMs;
        const pg0 = cpuOfCommand(/^postgres/);
        const t0 = nowMs();
        await sleep(SIZES.stepMs);
        const st = await fleet.stats(true);
        const loopP99 = kind !== 'bare' ? await eventLoopDelayP99(server) : null;
        const elapsed = (nowMs() - t0) / 1000;
        const cpu = (server.stats().cpuMs - cpu0) / 1000 / elapsed;
        const step = {
          offered: rate,
          sent: st.hbSent / elapsed,
          achieved: st.hbReceived / elapsed,
          p50: st.rtt.percentile(50),
          p99: st.rtt.percentile(99),
          serverCpu: cpu,
          cpuUsPerHeartbeat: (cpu * 1e6) / Math.max(1, st.hbReceived / elapsed),
          postgresCpu: (cpuOfCommand(/^postgres/) - pg0) / 1000 / elapsed,
          connected: st.connected,
          loopP99,
        };
        steps.push(step);
        log(`${kind}: offered ${rate}/s → sent ${fmt(step.sent, 0)}/s, answered ${fmt(step.achieved, 0)}/s, RTT p50 ${fmt(step.p50, 2)} p99 ${fmt(step.p99, 2)} ms, server CPU ${(cpu * 100).toFixed(0)} %, ${st.connected} connected${loopP99 === null ? '' : `, event-loop delay p99 ${fmt(loopP99, 1)} ms`}`);
      }
    }
    return { memory, heartbeat: steps };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

/**
 * The service's event-loop delay p99 (ms) since the previous call: prom-client's default metric,
 * whose histogram (perf_hooks.monitorEventLoopDelay) is reset by every scrape.
 */
async function eventLoopDelayP99(server) {
  const text = await fetch(`${server.url}/metrics`).then((response) => response.text());
  const match = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(text);
  return match ? Number(match[1]) * 1000 : NaN;
}

// ------------------------------------------------------------------------------ storm + fleet

/**
 * A reconnect storm: a third of the node sockets connect and heartbeat at the lowest rate, then
 * the other two thirds connect at once (as when an instance dies and its sockets come here).
 * Measured: time until all are Connected (with their snapshot), connect p99, failures, server CPU
 * per connect, and the steady sockets' heartbeat RTT p99 before and during the storm. The same
 * storm runs against the bare ws server (the baseline, same run) and, with --compare-root, the
 * service built in another checkout; --storm-rounds N repeats the targets in alternating order.
 */
async function storm(db, users) {
  const targets = [
    { name: 'service', start: (label) => startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label, logFile, nodeArgs: profileArgs(label) }) },
    { name: 'bare', start: (label) => startBaseline('bench/baseline/bare-ws-server.mjs', ['--port', '0'], {}, { cpus: SERVER_CPUS, label, logFile }) },
  ];
  if (options.compareRoot !== '') {
    const root = options.compareRoot;
    targets.splice(1, 0, {
      name: `service (${root})`,
      start: (label) => startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label, logFile, root, nodeArgs: profileArgs(label) }),
    });
  }
  // --storm-users N: a smaller storm (N users' sockets), quicker to repeat.
  if (options.stormUsers > 0) users = users.slice(0, options.stormUsers);
  const runs = {};
  for (let round = 0; round < options.stormRounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const result = await stormOn(target, users, `storm${round}${target.name === 'service' ? 's' : target.name === 'bare' ? 'b' : 'c'}`);
      (runs[target.name] ??= []).push(result);
    }
  }
  // The median round of each target (by connects/s).
  const pick = (list) => [...list].sort((a, b) => a.perSecond - b.perSecond)[Math.floor((list.length - 1) / 2)];
  const out = { ...pick(runs.service), bare: pick(runs.bare), runs };
  if (options.compareRoot !== '') out.compare = pick(runs[`service (${options.compareRoot})`]);
  return out;
}

async function stormOn(target, users, prefix) {
  const label = `${target.name === 'service' ? 'service' : target.name === 'bare' ? 'bare-ws' : 'service-compare'}-${prefix}`;
  const server = await target.start(label);
  const specs = nodeSpecs(users, SIZES.nodesPerUser, { prefix });
  const steadySpecs = specs.filter((_, i) => i % 3 === 0);
  const stormSpecs = specs.filter((_, i) => i % 3 !== 0);
  const steady = Fleet.forSockets(steadySpecs.length, 1);
  const storming = Fleet.forSockets(stormSpecs.length);
  const isService = target.name !== 'bare';
  try {
    await steady.open(server.url, steadySpecs);
    // --storm-rate R: the steady sockets' heartbeats per second (default the lowest heartbeat step).
    await steady.heartbeat((steadySpecs.length / (options.stormRate || SIZES.rates[0])) * 1000);
    await sleep(SMOKE ? 500 : 3_000);
    await steady.stats(true);
    const background0 = { cpuMs: server.stats().cpuMs, at: nowMs() };
    await sleep(SMOKE ? 500 : 3_000);
    const before = await steady.stats(true);
    if (isService) await eventLoopDelayP99(server);
    const cpu0 = server.stats().cpuMs;
    const t = nowMs();
    // CPU per ms of the steady heartbeats alone, to take out of the storm's CPU.
    const backgroundPerMs = (cpu0 - background0.cpuMs) / Math.max(1, t - background0.at);
    await progressWhile(storming, `storm ${target.name} connecting`, () => storming.open(server.url, stormSpecs));
    const seconds = (nowMs() - t) / 1000;
    const cpuMs = server.stats().cpuMs - cpu0;
    const during = await steady.stats(true);
    const loopP99 = isService ? await eventLoopDelayP99(server) : NaN;
    const s = await storming.stats(true);
    const result = {
      target: target.name,
      sockets: stormSpecs.length,
      connected: s.connected,
      failed: s.errors,
      closes: s.closes,
      seconds,
      perSecond: s.connected / seconds,
      cpuUsPerConnect: (cpuMs * 1000) / Math.max(1, s.connected),
      marginalCpuUsPerConnect: ((cpuMs - backgroundPerMs * seconds * 1000) * 1000) / Math.max(1, s.connected),
      connectP99: s.connectLatency.percentile(99),
      steadyBeforeP99: before.rtt.percentile(99),
      steadyDuringP99: during.rtt.percentile(99),
      loopP99,
    };
    log(`storm ${target.name}: ${result.connected}/${result.sockets} connected in ${fmt(seconds, 1)} s (${fmt(result.perSecond, 0)}/s, server CPU ${fmt(result.cpuUsPerConnect, 0)} µs per connect, ${fmt(result.marginalCpuUsPerConnect, 0)} µs beyond the steady heartbeats), connect p99 ${fmt(result.connectP99, 0)} ms, ${result.failed} failed; steady RTT p99 ${fmt(result.steadyBeforeP99, 1)} → ${fmt(result.steadyDuringP99, 1)} ms; event-loop delay p99 ${fmt(loopP99, 1)} ms`);
    return result;
  } finally {
    await steady.close();
    await storming.close();
    await server.stop();
  }
}

/**
 * One user connecting fleetNodes nodes at once (an operator after a deploy) while a dashboard of
 * theirs is open. Before issue 14 every connect pushed the whole list to every socket of the
 * user (O(N²)); now each node gets its own NodeUpdate and the dashboard deltas.
 */
async function fleetOfOneUser(db, users) {
  const server = await startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label: 'service-fleet', logFile, nodeArgs: profileArgs('fleet') });
  const owner = users[users.length - 1];
  const specs = nodeSpecs([owner], SIZES.fleetNodes, { prefix: 'fleet' });
  const fleet = Fleet.forSockets(specs.length);
  const { hostname, port } = new URL(server.url);
  let viewerBytes = 0;
  let viewerFrames = 0;
  let viewerOnline = 0;
  const viewer = await new Promise((resolve, reject) => {
    const socket = new LeanSocket({
      host: hostname,
      port: Number(port),
      path: `/ws/dashboard?token=${owner.token}`,
      onOpen: (s) => s.sendText(JSON.stringify({ type: 'Connect', payload: { device_id: 'operator', role: 'viewer', updates: ['NetworkUpdate'] } })),
      onFrame: (_s, _op, payload) => {
        const type = frameType(payload);
        if (type === 'Connected') resolve(socket);
        if (type !== 'NetworkUpdate') return;
        viewerBytes += payload.length;
        viewerFrames += 1;
        viewerOnline = (payload.toString().match(/"connected":true/g) ?? []).length; // last frame's count, for the log only
      },
      onClose: (_s, code) => reject(new Error(`viewer closed ${code}`)),
    });
  });
  try {
    const t = nowMs();
    await progressWhile(fleet, 'fleet connecting', () => fleet.open(server.url, specs));
    const seconds = (nowMs() - t) / 1000;
    await sleep(SMOKE ? 500 : 2_000); // the last deltas
    const s = await fleet.stats(true);
    const result = {
      nodes: specs.length,
      connected: s.connected,
      failed: s.errors,
      closes: s.closes,
      seconds,
      connectP99: s.connectLatency.percentile(99),
      framesToNodes: s.frames,
      viewerFrames,
      viewerBytes,
      viewerBytesPerNode: viewerBytes / specs.length,
    };
    log(`fleet: ${result.connected}/${result.nodes} nodes of one user connected in ${fmt(seconds, 1)} s, connect p99 ${fmt(result.connectP99, 0)} ms, ${result.failed} failed; frames to the nodes ${JSON.stringify(s.frames)}; viewer: ${viewerFrames} NetworkUpdates, ${fmt(viewerBytes / 1024, 0)} KiB (${fmt(result.viewerBytesPerNode, 0)} B per node; last frame ${viewerOnline} online)`);
    return result;
  } finally {
    viewer.close?.();
    await fleet.close();
    await server.stop();
  }
}

/**
 * Server CPU against answered heartbeat rate, fitted to a line: the slope is the CPU one more
 * heartbeat costs (robust to other load on the machine, which stretches latency but not CPU time),
 * the intercept the background work; capacity = (1 core − background) / slope.
 */
function cpuModel(steps) {
  const n = steps.length;
  const xs = steps.map((s) => s.achieved);
  const ys = steps.map((s) => s.serverCpu);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxy = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0);
  const sxx = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  const slope = sxx > 0 ? sxy / sxx : my / Math.max(1, mx);
  const intercept = Math.max(0, my - slope * mx);
  return { usPerHeartbeat: slope * 1e6, background: intercept, capacity: slope > 0 ? (1 - intercept) / slope : NaN };
}

/** Highest answered rate at which the target kept up: ≥ 95 % answered and p99 under 100 ms. */
function sustained(steps) {
  let best = 0;
  for (const step of steps) if (step.achieved >= 0.95 * step.sent && step.p99 < 100) best = Math.max(best, step.achieved);
  return best;
}

// ------------------------------------------------------------------------------ fan-out

/**
 * Each round changes every user's balance (a Network credit, written as an accrual flush writes
 * it), then publishes `earnings.changed` for every user on the service's Redis channels. The
 * service coalesces, reads the summaries and pushes; the bare server pushes at once. Latency: from
 * just before the publish to each EarningsUpdate's arrival.
 */
async function fanout(kind, db, users) {
  const prefix = `benchfan${kind}${Date.now().toString(36)}:`;
  const server =
    kind === 'service' || kind === 'compare'
      ? await startService(
          { DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, EARNINGS_PUSH_MS: '10', ...SERVICE_ENV },
          { cpus: SERVER_CPUS, label: `${kind}-fanout`, logFile, nodeArgs: profileArgs(`fanout-${kind}`), ...(kind === 'compare' ? { root: options.compareRoot } : {}) },
        )
      : await startBaseline('bench/baseline/bare-ws-server.mjs', ['--port', '0', '--redis-prefix', prefix, '--redis-url', REDIS_URL], {}, { cpus: SERVER_CPUS, label: 'bare-fanout', logFile, nodeArgs: profileArgs('fanout-bare') });
  const specs = viewerSpecs(users, SIZES.viewersPerUser);
  const fleet = Fleet.forSockets(specs.length);
  const redis = new Redis(REDIS_URL);
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  try {
    await fleet.open(server.url, specs);
    const connected = (await fleet.stats(true)).connected;
    log(`${kind}: ${connected} dashboard sockets connected`);
    await fleet.heartbeat(10_000);
    // The server's own upkeep (timers, sweeps) while nothing is pushed: taken out of the marginal CPU per frame.
    const idle0 = { cpuMs: server.stats().cpuMs, at: nowMs() };
    await sleep(1_000);
    const idleCpuPerMs = (server.stats().cpuMs - idle0.cpuMs) / (nowMs() - idle0.at);
    const ids = users.map((u) => u.id);
    const latency = new Histogram();
    const rates = [];
    let complete = 0;
    let frames = 0;
    // CPU per delivered frame is what the server pays per frame, whoever else shares the machine
    // (the fleet's clients and Redis take the other core and then some): frames/s on two shared
    // cores moves ±25 % between rounds, the CPU per frame much less.
    let cpuMs = 0;
    let roundsMs = 0;
    for (let round = 1; round <= SIZES.rounds; round++) {
      const credit = await creditAll(sql, ids);
      await fleet.startRound(round);
      const cpu0 = server.stats().cpuMs;
      const t0 = nowMs();
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.publish(`${prefix}user:${id}`, creditMessage(id, credit));
      await pipeline.exec();
      let times = [];
      const deadline = t0 + 5_000;
      while (nowMs() < deadline) {
        await sleep(20);
        times = await fleet.roundTimes();
        if (times.length >= connected) break;
      }
      cpuMs += server.stats().cpuMs - cpu0;
      roundsMs += nowMs() - t0;
      frames += times.length;
      for (const t of times) latency.record(t - t0);
      if (times.length >= connected) complete += 1;
      const last = Math.max(...times);
      rates.push(times.length / ((last - t0) / 1000));
      await sleep(50);
    }
    await fleet.startRound(0);
    const result = { sockets: connected, rounds: SIZES.rounds, complete, perSecond: median(rates), p50: latency.percentile(50), p99: latency.percentile(99), max: latency.max, cpuUsPerFrame: (cpuMs * 1000) / Math.max(1, frames), marginalCpuUsPerFrame: ((cpuMs - idleCpuPerMs * roundsMs) * 1000) / Math.max(1, frames), idleCpu: idleCpuPerMs };
    log(`${kind}: fan-out to ${connected} sockets: ${fmt(result.perSecond, 0)} frames/s, latency p50 ${fmt(result.p50, 1)} p99 ${fmt(result.p99, 1)} ms, server CPU ${fmt(result.cpuUsPerFrame, 2)} µs per frame (${fmt(result.marginalCpuUsPerFrame, 2)} beyond its idle ${fmt(idleCpuPerMs * 100, 1)} %), ${complete}/${SIZES.rounds} rounds complete`);
    return result;
  } finally {
    await sql.end();
    redis.disconnect();
    await fleet.close();
    await server.stop();
    await clearPrefix(prefix);
  }
}

/** Removes what a service instance left under its Redis key prefix (caches, registries). */
async function clearPrefix(prefix) {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const EPOCH_GENESIS_MS = Date.parse('2026-01-01T00:00:00Z');
/**
 * A Network credit of one micro-point for each user, written as an accrual flush writes it: added
 * to the user's hourly Network bucket row and to their balance (the ledger invariant holds, and
 * the earnings table does not grow with every update, as in the service). Returns what the
 * ledger's `earnings.changed` says of such a write (`LedgerCredit` without the amounts): its
 * transaction, when it wrote, the bucket and its epoch.
 */
async function creditAll(sql, ids) {
  const now = Date.now();
  const bucket = new Date(now - (now % 3_600_000));
  const epoch = Math.floor((now - EPOCH_GENESIS_MS) / 86_400_000);
  const { rows } = await sql.query(
    `WITH rows AS (
       INSERT INTO earnings (user_id, source, "timestamp", epoch, amount, ref)
       SELECT u, 'Network', $2, $3, 0.000001, '' FROM unnest($1::bigint[]) AS u ORDER BY u
       ON CONFLICT (user_id, source, "timestamp", ref) DO UPDATE SET amount = earnings.amount + EXCLUDED.amount
       RETURNING user_id),
     balances AS (
       INSERT INTO user_balances (user_id, network, updated_at) SELECT user_id, 0.000001, now() FROM rows ORDER BY user_id
       ON CONFLICT (user_id) DO UPDATE SET network = user_balances.network + EXCLUDED.network, updated_at = now()
       RETURNING user_id)
     SELECT pg_current_xact_id()::text AS tx, floor(extract(epoch FROM now()) * 1000)::float8 AS at, (SELECT count(*) FROM balances) AS written`,
    [ids, bucket, epoch],
  );
  return { tx: Number(rows[0].tx), at: rows[0].at, bucket: bucket.getTime(), epoch };
}

/** The message A's RedisEventBus publishes on a user's channel after such a credit of one micro-point. */
function creditMessage(userId, credit) {
  return JSON.stringify({ type: 'earnings.changed', userIds: [userId], credit: { ...credit, amounts: [1, 0] } });
}

// ------------------------------------------------------------------------------ cross-instance

/**
 * Two parties share PostgreSQL and Redis: a writer standing in for instance A's ledger (each
 * update is a real balance change — a Network credit into the user's hourly bucket row and
 * balance, as A's accrual flush writes it — then the same PUBLISH of `earnings.changed` on the user's channel that A's RedisEventBus sends) at
 * SIZES.crossRate updates a second, and instance B (or the bare relay) holding one /ws/earnings
 * viewer per user. Latency: from the PUBLISH (after the write committed) to the EarningsUpdate's
 * arrival on the viewer socket; an update coalesced with a later one is counted from the earliest
 * publish it carries.
 */
async function crossInstance(kind, db, users) {
  const prefix = `benchx${kind}${Date.now().toString(36)}:`;
  const crossUsers = users.slice(0, SIZES.crossUsers);
  const b =
    kind === 'service' || kind === 'compare'
      ? await startService(
          { DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, EARNINGS_PUSH_MS: '10', ...SERVICE_ENV },
          { cpus: SERVER_CPUS, label: `instance-B-${kind}`, logFile, nodeArgs: profileArgs(`cross-${kind}`), ...(kind === 'compare' ? { root: options.compareRoot } : {}) },
        )
      : await startBaseline('bench/baseline/bare-ws-server.mjs', ['--port', '0', '--redis-prefix', prefix, '--redis-url', REDIS_URL], {}, { cpus: SERVER_CPUS, label: 'bare-relay', logFile });
  const publisher = new Redis(REDIS_URL);
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const viewers = [];
  try {
    const pendingSince = new Map();
    let events = 0;
    let measuring = false;
    const latency = new Histogram();
    const { hostname, port } = new URL(b.url);
    await new Promise((resolve) => {
      let settled = 0;
      const settle = () => {
        settled += 1;
        if (settled === crossUsers.length) resolve();
      };
      crossUsers.forEach((user, i) => {
        let connected = false;
        const socket = new LeanSocket({
          host: hostname,
          port: Number(port),
          path: `/ws/earnings?token=${user.token}`,
          localAddress: `127.0.0.${200 + (i % 40)}`,
          onOpen: (s) => s.sendText(JSON.stringify({ type: 'Connect', payload: { device_id: 'cross-view', role: 'viewer' } })),
          onFrame: (_s, _op, payload) => {
            const type = frameType(payload);
            if (type === 'Connected') {
              connected = true;
              settle();
            } else if (type === 'EarningsUpdate') {
              const since = pendingSince.get(user.id);
              if (since === undefined) return;
              pendingSince.delete(user.id);
              if (measuring) latency.record(nowMs() - since);
            }
          },
          onClose: () => {
            if (!connected) settle();
          },
        });
        viewers.push(socket);
      });
    });
    const keepAlive = setInterval(() => {
      for (const v of viewers) v.sendText('{"type":"Heartbeat"}');
    }, 20_000);

    // The writer: as many updates as the rate allows so far, one statement and one pipeline each.
    const ids = crossUsers.map((u) => u.id);
    let written = 0;
    let cursor = 0;
    let writing = true;
    const writerStarted = nowMs();
    const writer = (async () => {
      while (writing) {
        const due = Math.floor(((nowMs() - writerStarted) / 1000) * SIZES.crossRate) - written;
        if (due <= 0) {
          await sleep(2);
          continue;
        }
        const batch = [];
        for (let k = 0; k < Math.min(due, ids.length); k++) batch.push(ids[(cursor + k) % ids.length]);
        cursor = (cursor + batch.length) % ids.length;
        written += due;
        const distinct = [...new Set(batch)];
        const credit = await creditAll(sql, distinct);
        const pipeline = publisher.pipeline();
        for (const id of distinct) pipeline.publish(`${prefix}user:${id}`, creditMessage(id, credit));
        const publishedAt = nowMs();
        for (const id of batch) if (!pendingSince.has(id)) pendingSince.set(id, publishedAt);
        if (measuring) events += batch.length;
        await pipeline.exec();
      }
    })();
    await sleep(SMOKE ? 500 : 2_000);
    pendingSince.clear();
    measuring = true;
    const t0 = nowMs();
    const cpu0 = b.stats().cpuMs;
    await sleep(SIZES.crossMs);
    measuring = false;
    const elapsed = (nowMs() - t0) / 1000;
    const cpu = (b.stats().cpuMs - cpu0) / 1000 / elapsed;
    writing = false;
    await writer;
    clearInterval(keepAlive);
    const result = { users: crossUsers.length, eventsPerSecond: events / elapsed, delivered: latency.count, p50: latency.percentile(50), p99: latency.percentile(99), max: latency.max, serverCpu: cpu };
    log(`${kind}: cross-instance: ${fmt(result.eventsPerSecond, 0)} earnings events/s on Redis, ${latency.count} EarningsUpdate measured, p50 ${fmt(result.p50, 1)} p99 ${fmt(result.p99, 1)} ms, B's CPU ${(cpu * 100).toFixed(0)} %`);
    return result;
  } finally {
    for (const v of viewers) v.destroy();
    publisher.disconnect();
    await sql.end();
    await b.stop();
    await clearPrefix(prefix);
  }
}

// ------------------------------------------------------------------------------ REST

async function rest(db, users) {
  const service = await startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label: 'service-rest', logFile, nodeArgs: profileArgs('rest-service') });
  const tokens = users.map((u) => u.token);
  const bodies = {};
  try {
    await pool(users.length, 16, async (i) => {
      const response = await request(service.url, 'GET', '/api/earnings/summary', { token: users[i].token });
      bodies[users[i].id] = response.body;
    });
  } catch (error) {
    await service.stop();
    throw error;
  }
  const dataFile = join(OUT, 'summaries.json');
  writeFileSync(dataFile, JSON.stringify(bodies));
  const targets = [
    { name: 'service', start: async () => service },
    { name: 'node:http (same JSON)', start: () => startBaseline('bench/baseline/plain-http-server.mjs', ['--port', '0', '--mode', 'static', '--data', dataFile], {}, { cpus: SERVER_CPUS, label: 'plain-http', logFile }) },
    { name: 'node:http + pg (same SQL)', start: () => startBaseline('bench/baseline/plain-http-server.mjs', ['--port', '0', '--mode', 'pg', '--database-url', db.url], {}, { cpus: SERVER_CPUS, label: 'plain-http-pg', logFile }) },
  ];
  if (options.compareRoot !== '') {
    const root = options.compareRoot;
    targets.splice(1, 0, {
      name: `service (${root})`,
      start: () => startService({ DATABASE_URL: db.url, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label: 'service-compare', logFile, root, nodeArgs: profileArgs('rest-compare') }),
    });
  }
  const out = {};
  for (const target of targets) {
    const server = await target.start();
    const fleet = new Fleet(2);
    try {
      await fleet.http(server.url, '/api/earnings/summary', tokens, 4, SMOKE ? 200 : 1_000); // warm-up
      out[target.name] = [];
      for (const connections of SIZES.restConnections) {
        const cpu0 = server.stats().cpuMs;
        const r = await fleet.http(server.url, '/api/earnings/summary', tokens, connections, SIZES.restMs);
        const cpu = (server.stats().cpuMs - cpu0) / SIZES.restMs;
        const step = { connections: r.connections, perSecond: r.rate, p50: r.latency.percentile(50), p99: r.latency.percentile(99), statuses: r.statuses, errors: r.errors, serverCpu: cpu };
        out[target.name].push(step);
        log(`REST ${target.name}: ${r.connections} connections → ${fmt(r.rate, 0)} req/s, p50 ${fmt(step.p50, 2)} p99 ${fmt(step.p99, 2)} ms, CPU ${(cpu * 100).toFixed(0)} %, statuses ${JSON.stringify(r.statuses)}`);
      }
    } finally {
      await fleet.close();
      await server.stop();
    }
  }
  results.restChurn = await restWithChurn(db, users, tokens);
  return out;
}

/** Hits and misses of the earnings part of the service's read cache so far. */
async function cacheReads(server) {
  const text = await fetch(`${server.url}/metrics`).then((response) => response.text());
  const count = (result) => Number(new RegExp(`^dashboard_read_cache_total\\{part="earnings",result="${result}"\\} ([0-9.eE+]+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hits: count('hit'), misses: count('miss') };
}

/**
 * GET /api/earnings/summary at the largest connection count while 10% of the users get a credit
 * every second, published as the ledger publishes it (earnings.changed on the user's Redis
 * channel): the cache must drop exactly those users' summaries. Reports req/s and the hit rate.
 */
async function restWithChurn(db, users, tokens) {
  const prefix = `benchrest${Date.now().toString(36)}:`;
  const server = await startService({ DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, ...SERVICE_ENV }, { cpus: SERVER_CPUS, label: 'service-rest-churn', logFile });
  const publisher = new Redis(REDIS_URL);
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const fleet = new Fleet(2);
  let churning = true;
  const churn = (async () => {
    let round = 0;
    while (churning) {
      const started = nowMs();
      const ids = users.filter((_, i) => i % 10 === round % 10).map((user) => user.id);
      const credit = await creditAll(sql, ids);
      const pipeline = publisher.pipeline();
      for (const id of ids) pipeline.publish(`${prefix}user:${id}`, creditMessage(id, credit));
      await pipeline.exec();
      round += 1;
      await sleep(Math.max(0, 1_000 - (nowMs() - started)));
    }
  })();
  try {
    const connections = SIZES.restConnections.at(-1);
    await fleet.http(server.url, '/api/earnings/summary', tokens, 4, SMOKE ? 200 : 1_000); // warm-up
    const before = await cacheReads(server);
    const cpu0 = server.stats().cpuMs;
    const r = await fleet.http(server.url, '/api/earnings/summary', tokens, connections, SIZES.restMs);
    const cpu = (server.stats().cpuMs - cpu0) / SIZES.restMs;
    const after = await cacheReads(server);
    const hits = after.hits - before.hits;
    const misses = after.misses - before.misses;
    const step = { connections: r.connections, perSecond: r.rate, p50: r.latency.percentile(50), p99: r.latency.percentile(99), statuses: r.statuses, serverCpu: cpu, hitRate: hits / Math.max(1, hits + misses) };
    log(`REST with 10% of users changing each second: ${r.connections} connections → ${fmt(r.rate, 0)} req/s, p99 ${fmt(step.p99, 2)} ms, cache hit rate ${(step.hitRate * 100).toFixed(1)} %, statuses ${JSON.stringify(r.statuses)}`);
    return step;
  } finally {
    churning = false;
    await churn;
    await fleet.close();
    await server.stop();
    await sql.end();
    publisher.disconnect();
    await clearPrefix(prefix);
  }
}

// ------------------------------------------------------------------------------ alerts

/**
 * Two instances share PostgreSQL and Redis. The doomed one holds users × alertNodesPerUser node
 * sockets (10,000 at full size); the survivor holds steady node sockets heartbeating at
 * alertSteadyRate, and every user has a webhook on a local receiver. The doomed instance is
 * SIGKILLed: the survivor must find its sessions (presence upkeep), record one node.offline per
 * node and deliver one webhook each, while its own nodes' heartbeats go on. Measured: the steady
 * heartbeats' round trip before the kill (the baseline, same run) and during the storm (from
 * the first node.offline recorded until the last webhook delivered), and how long each stage took.
 */
async function alerts(db, allUsers) {
  // Many nodes per user, as operators run them: 100 users × 100 nodes at full size.
  const users = allUsers.slice(0, SIZES.alertUsers);
  const prefix = `benchalert${Date.now().toString(36)}:`;
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    NODE_OFFLINE_ALERT_MS: String(SIZES.alertMs),
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    // Production refuses http webhooks; the receiver here is plain http on loopback. Nothing
    // else in the service depends on NODE_ENV.
    NODE_ENV: 'development',
    ...SERVICE_ENV,
  };
  let received = 0;
  const ids = new Set();
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      ids.add(req.headers['webhook-id']);
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  const survivor = await startService(env, { cpus: SERVER_CPUS, label: 'alerts-survivor', logFile, nodeArgs: profileArgs('alerts-survivor') });
  const doomed = await startService(env, { label: 'alerts-doomed', logFile });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const nodes = users.length * SIZES.alertNodesPerUser;
  const steadySpecs = nodeSpecs(users, SIZES.alertSteadyPerUser, { prefix: 'steady' });
  const steady = new Fleet(1);
  const doomedFleet = Fleet.forSockets(nodes, 1);
  try {
    await pool(users.length, 16, async (i) => {
      const response = await request(survivor.url, 'PUT', '/api/notifications/webhook', { token: users[i].token, body: { url: hookUrl } });
      if (response.status !== 200) throw new Error(`webhook registration: ${response.status} ${JSON.stringify(response.body)}`);
    });
    await steady.open(survivor.url, steadySpecs);
    await doomedFleet.open(doomed.url, nodeSpecs(users, SIZES.alertNodesPerUser, { prefix: 'drop' }));
    const doomedStats = await doomedFleet.stats();
    log(`alerts: ${doomedStats.connected}/${nodes} nodes on the doomed instance, ${(await steady.stats()).connected} steady nodes on the survivor`);
    // The doomed nodes heartbeat slowly (their last heartbeat is their last_seen); the steady ones at the measured rate.
    await doomedFleet.heartbeat(2_000);
    await steady.heartbeat((steadySpecs.length / SIZES.alertSteadyRate) * 1000);
    await sleep(SMOKE ? 1_000 : 4_000);
    await steady.stats(true);
    const cpuBefore0 = survivor.stats().cpuMs;
    const tBefore = nowMs();
    await sleep(SIZES.alertBeforeMs);
    const before = await steady.stats(true);
    const beforeSeconds = (nowMs() - tBefore) / 1000;
    const cpuBefore = (survivor.stats().cpuMs - cpuBefore0) / 1000 / beforeSeconds;

    const killedAt = nowMs();
    doomed.child.kill('SIGKILL');
    await doomed.stop();
    const counts = async () => {
      const { rows } = await sql.query(
        // Only this phase's doomed nodes: the earlier phases' nodes in this database are offline
        // too (their sockets closed long ago) and rightly alerted once the alerting services run.
        `SELECT (SELECT count(*) FROM notifications WHERE type = 'node.offline' AND data->>'device_id' LIKE 'drop-%')::int AS recorded,
                (SELECT count(*) FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                  WHERE d.status = 'delivered' AND n.type = 'node.offline' AND n.data->>'device_id' LIKE 'drop-%')::int AS delivered`,
      );
      return rows[0];
    };
    let firstAt = null;
    let recordedAt = null;
    let deliveredAt = null;
    let cpuStorm0 = 0;
    const deadline = nowMs() + (SMOKE ? 90_000 : 300_000);
    while (nowMs() < deadline) {
      const c = await counts();
      const now = nowMs();
      if (firstAt === null && c.recorded > 0) {
        firstAt = now;
        cpuStorm0 = survivor.stats().cpuMs;
        await steady.stats(true);
      }
      if (recordedAt === null && c.recorded >= doomedStats.connected) recordedAt = now;
      if (recordedAt !== null && c.delivered >= doomedStats.connected) {
        deliveredAt = now;
        break;
      }
      await sleep(100);
    }
    const during = await steady.stats(true);
    const stormSeconds = ((deliveredAt ?? nowMs()) - (firstAt ?? killedAt)) / 1000;
    const cpuStorm = (survivor.stats().cpuMs - cpuStorm0) / 1000 / Math.max(0.001, stormSeconds);
    const final = await counts();
    const result = {
      nodes: doomedStats.connected,
      steadySockets: steadySpecs.length,
      steadyRate: SIZES.alertSteadyRate,
      alertMs: SIZES.alertMs,
      before: { p50: before.rtt.percentile(50), p99: before.rtt.percentile(99), answered: before.hbReceived / beforeSeconds, serverCpu: cpuBefore },
      during: { p50: during.rtt.percentile(50), p99: during.rtt.percentile(99), answered: during.hbReceived / Math.max(0.001, stormSeconds), serverCpu: cpuStorm, seconds: stormSeconds },
      firstAlertSeconds: firstAt === null ? null : (firstAt - killedAt) / 1000,
      allRecordedSeconds: recordedAt === null ? null : (recordedAt - killedAt) / 1000,
      allDeliveredSeconds: deliveredAt === null ? null : (deliveredAt - killedAt) / 1000,
      recorded: final.recorded,
      delivered: final.delivered,
      webhooksReceived: received,
      distinctWebhookIds: ids.size,
    };
    log(`alerts: ${result.recorded}/${result.nodes} node.offline recorded (first ${fmt(result.firstAlertSeconds, 1)} s, all ${fmt(result.allRecordedSeconds, 1)} s after the kill), ${result.delivered} webhooks delivered (all by ${fmt(result.allDeliveredSeconds, 1)} s), receiver saw ${received} (${ids.size} distinct ids)`);
    log(`alerts: steady heartbeats RTT p99 ${fmt(result.before.p99, 2)} ms before, ${fmt(result.during.p99, 2)} ms during the storm (${fmt(result.during.seconds, 1)} s); survivor CPU ${(cpuBefore * 100).toFixed(0)} % → ${(cpuStorm * 100).toFixed(0)} %`);
    return result;
  } finally {
    await steady.close();
    await doomedFleet.close();
    await sql.end();
    await survivor.stop();
    await doomed.stop();
    receiver.close();
    await clearPrefix(prefix);
  }
}

// ------------------------------------------------------------------------------ flush

/** The 100k flush (median of 5, with the concurrent-instances mode), then one 1M flush. */
async function flush() {
  const result = await flushRun(['--users', String(SIZES.flushUsers), '--runs', String(SIZES.flushRuns), '--instances', SIZES.flushInstances]);
  result.large = await flushRun(['--users', String(SIZES.flushLargeUsers), '--runs', '1']);
  return result;
}

function flushRun(flushArgs) {
  const { command, args } = SERVER_CPUS === null ? { command: process.execPath, args: [] } : { command: 'taskset', args: ['-c', SERVER_CPUS, process.execPath] };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, join(ROOT, 'bench', 'flush.mjs'), ...flushArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      for (const line of String(d).split('\n')) if (line.trim()) log(line.trim());
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`flush benchmark exited ${code}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
    });
  });
}

// ------------------------------------------------------------------------------ report

function ratio(a, b) {
  return b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : NaN;
}

function table() {
  const rows = [];
  const add = (name, service, baseline, ratioValue, target, met, unit = '') => rows.push({ name, service, baseline, ratio: ratioValue, target, met });
  const m = results.memory;
  if (m) {
    add(`memory per node socket (${m.service.sockets.toLocaleString('en-US')} sockets, RSS)`, `${(m.service.rssPerSocket / 1024).toFixed(2)} KiB`, `${(m.bare.rssPerSocket / 1024).toFixed(2)} KiB`, ratio(m.service.rssPerSocket, m.bare.rssPerSocket), '≤ 1.5×', ratio(m.service.rssPerSocket, m.bare.rssPerSocket) <= 1.5);
    add('  (heap per socket, for reference)', `${(m.service.heapPerSocket / 1024).toFixed(2)} KiB`, `${(m.bare.heapPerSocket / 1024).toFixed(2)} KiB`, ratio(m.service.heapPerSocket, m.bare.heapPerSocket), '', null);
  }
  const h = results.heartbeat;
  if (h) {
    const ms = cpuModel(h.service);
    const mb = cpuModel(h.bare);
    const s = sustained(h.service);
    const b = sustained(h.bare);
    const modelled = ratio(ms.capacity, mb.capacity);
    if (Number.isFinite(modelled)) {
      add('heartbeat throughput per core (CPU model, heartbeats/s)', fmt(ms.capacity, 0), fmt(mb.capacity, 0), modelled, '≥ 0.7×', modelled >= 0.7);
    } else {
      // Too little load to fit the CPU model (tiny smoke sizes, noise): the measured rates instead.
      add('heartbeat throughput per core (measured, heartbeats/s)', fmt(s, 0), fmt(b, 0), ratio(s, b), '≥ 0.7×', ratio(s, b) >= 0.7);
    }
    add('  marginal server CPU per heartbeat', `${fmt(ms.usPerHeartbeat, 1)} µs`, `${fmt(mb.usPerHeartbeat, 1)} µs`, ratio(ms.usPerHeartbeat, mb.usPerHeartbeat), '', null);
    add('  background CPU (flushes, pushes, sweeps)', `${fmt(ms.background * 100, 0)} %`, `${fmt(mb.background * 100, 0)} %`, NaN, '', null);
    add('  measured: highest rate kept up (p99 < 100 ms)', fmt(s, 0), fmt(b, 0), ratio(s, b), '', null);
    for (let i = 0; i < h.service.length; i++) {
      const sv = h.service[i];
      const bv = h.bare[i];
      if (!bv) continue;
      add(`  heartbeat RTT p99 at ${sv.offered.toLocaleString('en-US')}/s offered`, `${fmt(sv.p99, 2)} ms`, `${fmt(bv.p99, 2)} ms`, ratio(sv.p99, bv.p99), '', null);
    }
  }
  if (h) {
    const loop = Math.max(...h.service.map((step) => step.loopP99 ?? NaN));
    // No baseline has the metric: the ratio is to the target.
    add('event-loop delay p99 of the service (worst heartbeat step)', `${fmt(loop, 1)} ms`, '20 ms (target)', ratio(loop, 20), '≤ 20 ms', loop <= 20);
  }
  if (h?.compare) {
    // --compare-root: this build against the other one, same run (baseline column: the other build).
    const mc = cpuModel(h.compare);
    const ms = cpuModel(h.service);
    add('  vs compare build: background CPU', `${fmt(ms.background * 100, 0)} %`, `${fmt(mc.background * 100, 0)} %`, NaN, '', null);
    for (let i = 0; i < h.service.length; i++) {
      const sv = h.service[i];
      const cv = h.compare[i];
      if (!cv) continue;
      add(`  vs compare build: RTT p99 / loop p99 at ${sv.offered.toLocaleString('en-US')}/s`, `${fmt(sv.p99, 2)} / ${fmt(sv.loopP99, 1)} ms`, `${fmt(cv.p99, 2)} / ${fmt(cv.loopP99, 1)} ms`, ratio(sv.p99, cv.p99), '', null);
    }
    add('  vs compare build: RSS per socket', `${(m.service.rssPerSocket / 1024).toFixed(2)} KiB`, `${(m.compare.rssPerSocket / 1024).toFixed(2)} KiB`, ratio(m.service.rssPerSocket, m.compare.rssPerSocket), '', null);
  }
  const st = results.storm;
  if (st) {
    // Against the bare server's storm in the same run (same sockets, same steady load).
    const bareRate = st.bare.perSecond;
    add(`reconnect storm: ${st.sockets.toLocaleString('en-US')} connects at once (connects/s)`, `${fmt(st.perSecond, 0)} (${st.connected} ok, ${st.failed} failed)`, fmt(bareRate, 0), ratio(st.perSecond, bareRate), 'all, ≥ 0.7× bare', st.failed === 0 && st.connected === st.sockets && ratio(st.perSecond, bareRate) >= 0.7);
    add('  server CPU per connect', `${fmt(st.cpuUsPerConnect, 0)} µs`, `${fmt(st.bare.cpuUsPerConnect, 0)} µs`, ratio(st.cpuUsPerConnect, st.bare.cpuUsPerConnect), '≤ 2× bare', ratio(st.cpuUsPerConnect, st.bare.cpuUsPerConnect) <= 2);
    add('  marginal server CPU per connect (beyond the steady heartbeats)', `${fmt(st.marginalCpuUsPerConnect, 0)} µs`, `${fmt(st.bare.marginalCpuUsPerConnect, 0)} µs`, ratio(st.marginalCpuUsPerConnect, st.bare.marginalCpuUsPerConnect), '', null);
    if (st.compare) add(`  connects/s of service (${options.compareRoot})`, `${fmt(st.compare.perSecond, 0)} (${fmt(st.compare.cpuUsPerConnect, 0)} µs CPU each)`, fmt(bareRate, 0), ratio(st.compare.perSecond, bareRate), '', null);
    add('reconnect storm: steady heartbeat RTT p99 (during / before)', `${fmt(st.steadyDuringP99, 1)} ms`, `${fmt(st.steadyBeforeP99, 1)} ms`, ratio(st.steadyDuringP99, st.steadyBeforeP99), '≤ 25 ms', st.steadyDuringP99 <= 25);
  }
  const fo = results.fleet;
  if (fo) {
    add(`one user connecting ${fo.nodes.toLocaleString('en-US')} nodes at once (connected)`, `${fo.connected} in ${fmt(fo.seconds, 1)} s`, `of ${fo.nodes}`, ratio(fo.connected, fo.nodes), 'all, no failure', fo.connected === fo.nodes && fo.failed === 0);
    add('  NetworkUpdate bytes to the dashboard per node', `${fmt(fo.viewerBytesPerNode, 0)} B`, '', NaN, 'O(1) per node', null);
  }
  const f = results.fanout;
  if (f) {
    add(`fan-out EarningsUpdate delivery (${f.service.sockets.toLocaleString('en-US')} sockets, frames/s)`, fmt(f.service.perSecond, 0), fmt(f.bare.perSecond, 0), ratio(f.service.perSecond, f.bare.perSecond), '≥ 0.9×', ratio(f.service.perSecond, f.bare.perSecond) >= 0.9);
    add('  fan-out latency p99', `${fmt(f.service.p99, 1)} ms`, `${fmt(f.bare.p99, 1)} ms`, ratio(f.service.p99, f.bare.p99), '', null);
    if (f.service.cpuUsPerFrame !== undefined) add('  server CPU per frame delivered (µs)', fmt(f.service.cpuUsPerFrame, 2), fmt(f.bare.cpuUsPerFrame, 2), ratio(f.service.cpuUsPerFrame, f.bare.cpuUsPerFrame), '', null);
    if (f.service.marginalCpuUsPerFrame !== undefined) add('  — beyond the server\'s idle upkeep (µs)', fmt(f.service.marginalCpuUsPerFrame, 2), fmt(f.bare.marginalCpuUsPerFrame, 2), ratio(f.service.marginalCpuUsPerFrame, f.bare.marginalCpuUsPerFrame), '', null);
    if (f.compare) add('  vs compare build: frames/s', fmt(f.service.perSecond, 0), fmt(f.compare.perSecond, 0), ratio(f.service.perSecond, f.compare.perSecond), '', null);
  }
  const c = results.cross;
  if (c) {
    add(`cross-instance delivery p99 via Redis (${fmt(c.service.eventsPerSecond, 0)} updates/s)`, `${fmt(c.service.p99, 1)} ms`, `${fmt(c.bare.p99, 1)} ms`, ratio(c.service.p99, c.bare.p99), '≤ 20 ms', c.service.p99 <= 20);
    if (c.compare) add('  vs compare build: p99', `${fmt(c.service.p99, 1)} ms`, `${fmt(c.compare.p99, 1)} ms`, ratio(c.service.p99, c.compare.p99), '', null);
  }
  const r = results.rest;
  if (r) {
    const best = (name) => Math.max(...r[name].map((x) => x.perSecond));
    const p99At = (name) => r[name][r[name].length - 1].p99;
    add('GET /api/earnings/summary req/s (best)', fmt(best('service'), 0), fmt(best('node:http (same JSON)'), 0), ratio(best('service'), best('node:http (same JSON)')), '≥ 0.5×', ratio(best('service'), best('node:http (same JSON)')) >= 0.5);
    add(`  p99 at ${r.service.at(-1).connections} connections`, `${fmt(p99At('service'), 2)} ms`, `${fmt(p99At('node:http (same JSON)'), 2)} ms`, ratio(p99At('service'), p99At('node:http (same JSON)')), '', null);
    add('  against node:http + pg running the same SQL', fmt(best('service'), 0), fmt(best('node:http + pg (same SQL)'), 0), ratio(best('service'), best('node:http + pg (same SQL)')), '', null);
    // CPU per request does not depend on whether the clients could saturate the server.
    const cpuPerRequest = (name) => (r[name].at(-1).serverCpu * 1e6) / r[name].at(-1).perSecond;
    add(`  server CPU per request at ${r.service.at(-1).connections} connections (µs)`, fmt(cpuPerRequest('service'), 0), fmt(cpuPerRequest('node:http (same JSON)'), 0), ratio(cpuPerRequest('node:http (same JSON)'), cpuPerRequest('service')), '', null);
    for (const name of Object.keys(r).filter((key) => key.startsWith('service ('))) {
      add(`  ${name}: server CPU per request (µs)`, fmt(cpuPerRequest(name), 0), fmt(cpuPerRequest('node:http (same JSON)'), 0), ratio(cpuPerRequest('node:http (same JSON)'), cpuPerRequest(name)), '', null);

      add(`  ${name} against the same static server`, fmt(best(name), 0), fmt(best('node:http (same JSON)'), 0), ratio(best(name), best('node:http (same JSON)')), '', null);
    }
    const churn = results.restChurn;
    if (churn) {
      add(`  with 10% of users changing each second (cache hit rate ${(churn.hitRate * 100).toFixed(1)} %)`, fmt(churn.perSecond, 0), fmt(best('node:http (same JSON)'), 0), ratio(churn.perSecond, best('node:http (same JSON)')), '', null);
    }
  }
  const fl = results.flush;
  if (fl) {
    add(`accrual flush of ${fl.users.toLocaleString('en-US')} users (median of ${fl.runsMs.length})`, `${fmt(fl.medianMs, 0)} ms`, `${fmt(fl.baselineMedianMs, 0)} ms`, ratio(fl.medianMs, fl.baselineMedianMs), '< 1 s', fl.medianMs < 1000);
    add('  bare upsert with BIGINT amounts (against NUMERIC)', `${fmt(fl.baselineBigintMedianMs, 0)} ms`, `${fmt(fl.baselineMedianMs, 0)} ms`, ratio(fl.baselineBigintMedianMs, fl.baselineMedianMs), '', null);
    add('  planning in the service / longest event-loop block', `${fmt(fl.statementsMedianMs.plan ?? NaN, 0)} ms`, `${fmt(fl.loopMaxMs, 0)} ms`, NaN, '< 100 ms / < 20 ms', null);
    if (fl.planMainThreadCpuRunsMs) {
      // The event loop's own time in the planning: wall time also holds waits for a core that
      // PostgreSQL (on the same two cores here) took. Warm: after the first run, whose chain cache is cold.
      const warm = fl.planMainThreadCpuRunsMs.slice(1);
      add('  planning: main-thread CPU, median of all runs / of the warm runs', `${fmt(median(fl.planMainThreadCpuRunsMs), 0)} ms`, `${fmt(warm.length > 0 ? median(warm) : NaN, 0)} ms`, NaN, '< 100 ms', null);
    }
    if (fl.loopBlocksOver20Ms) {
      // Wall-time blocks include preemption on a busy machine; those with 20 ms of the process's CPU
      // do not, but count V8's GC helper threads; the main thread's own CPU is the loop's own work.
      add('  event-loop blocks over 20 ms per flush (wall / with 20 ms of CPU)', fmt(median(fl.loopBlocksOver20Ms), 0), fmt(median(fl.loopBlocksOver20MsOfCpu), 0), NaN, '0', null);
      if (fl.loopBlocksOver20MsOfMainThread) {
        add('  — with 20 ms of main-thread CPU, per flush (median / most)', fmt(median(fl.loopBlocksOver20MsOfMainThread), 0), fmt(Math.max(...fl.loopBlocksOver20MsOfMainThread), 0), NaN, '0', null);
      }
    }
    for (const [instances, c] of Object.entries(fl.concurrent ?? {})) {
      add(`  ${instances} instance(s) flushing disjoint users at once: users/s`, fmt(c.usersPerSecond, 0), fmt(fl.concurrent['1']?.usersPerSecond ?? NaN, 0), ratio(c.usersPerSecond, fl.concurrent['1']?.usersPerSecond ?? NaN), 'grows', null);
    }
    if (fl.large) {
      add(`  flush of ${fl.large.users.toLocaleString('en-US')} users (one run)`, `${fmt(fl.large.medianMs, 0)} ms`, `${fmt(fl.large.baselineMedianMs, 0)} ms`, ratio(fl.large.medianMs, fl.large.baselineMedianMs), '< 10 s', null);
      if (fl.large.loopBlocksOver20MsOfMainThread) {
        add('  — its event-loop blocks over 20 ms (wall / with 20 ms of main-thread CPU)', fmt(fl.large.loopBlocksOver20Ms[0], 0), fmt(fl.large.loopBlocksOver20MsOfMainThread[0], 0), NaN, '', null);
      }
    }
  }
  const al = results.alerts;
  if (al) {
    const slowdown = ratio(al.during.p99, al.before.p99);
    add(
      `heartbeat RTT p99 while ${al.nodes.toLocaleString('en-US')} nodes drop (during / before)`,
      `${fmt(al.during.p99, 2)} ms`,
      `${fmt(al.before.p99, 2)} ms`,
      slowdown,
      '≤ 2× and < 100 ms',
      slowdown <= 2 && al.during.p99 < 100 && al.recorded === al.nodes && al.delivered >= al.nodes,
    );
    add('  heartbeats answered per second (during / before)', fmt(al.during.answered, 0), fmt(al.before.answered, 0), ratio(al.during.answered, al.before.answered), '', null);
    add(`  all node.offline recorded after the kill (alert delay ${fmt(al.alertMs / 1000, 0)} s)`, `${fmt(al.allRecordedSeconds, 1)} s`, '', NaN, '', null);
    add('  all webhooks delivered after the kill', `${fmt(al.allDeliveredSeconds, 1)} s`, `${al.webhooksReceived} received`, NaN, '', null);
  }
  return rows;
}

function printTable(rows) {
  const header = ['benchmark', 'service', 'baseline', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [r.name, r.service, r.baseline, Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '–', r.target, r.met === null ? '' : r.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmtLine = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  const text = [fmtLine(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmtLine)].join('\n');
  process.stdout.write(`\n${text}\n\n`);
  return text;
}

function plots() {
  const files = [];
  if (results.heartbeat) {
    const file = join(OUT, 'heartbeat-rtt.png');
    lineChart(file, {
      title: 'Heartbeat round trip p99 against load',
      xLabel: 'heartbeats answered per second',
      yLabel: 'RTT p99 (ms)',
      logY: true,
      series: [
        { name: 'service', points: results.heartbeat.service.map((s) => [s.achieved, s.p99]) },
        { name: 'bare ws', points: results.heartbeat.bare.map((s) => [s.achieved, s.p99]) },
      ],
    });
    files.push(file);
    const cpuFile = join(OUT, 'heartbeat-cpu.png');
    lineChart(cpuFile, {
      title: 'Server CPU against heartbeat load',
      xLabel: 'heartbeats answered per second',
      yLabel: 'server CPU (% of one core)',
      series: [
        { name: 'service', points: results.heartbeat.service.map((s) => [s.achieved, s.serverCpu * 100]) },
        { name: 'bare ws', points: results.heartbeat.bare.map((s) => [s.achieved, s.serverCpu * 100]) },
      ],
    });
    files.push(cpuFile);
  }
  if (results.flush?.concurrent && Object.keys(results.flush.concurrent).length > 0) {
    const file = join(OUT, 'flush-instances.png');
    lineChart(file, {
      title: 'Accrual flush: users written per second against instances',
      xLabel: 'instances flushing at once',
      yLabel: 'users/s (all instances)',
      series: [{ name: 'service', points: Object.entries(results.flush.concurrent).map(([k, c]) => [Number(k), c.usersPerSecond]) }],
    });
    files.push(file);
  }
  if (results.rest) {
    const file = join(OUT, 'rest-latency.png');
    lineChart(file, {
      title: 'GET /api/earnings/summary: p99 against load',
      xLabel: 'requests per second',
      yLabel: 'p99 (ms)',
      logY: true,
      logX: true,
      series: Object.entries(results.rest).map(([name, steps]) => ({ name, points: steps.map((s) => [s.perSecond, s.p99]) })),
    });
    files.push(file);
  }
  return files;
}

// ------------------------------------------------------------------------------ main

/**
 * Runs `measure` for each target `--repeat` times, in the given order in even rounds and reversed
 * in odd ones; per target, the round with the median `figure` (the lower middle one for an even
 * N: use an odd N for a true median; every round is kept in
 * results.rounds[phase] and logged).
 */
async function alternated(phase, kinds, measure, figure) {
  const rounds = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < options.repeat; round++) {
    for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) rounds[kind].push(await measure(kind));
  }
  if (options.repeat > 1) {
    results.rounds = { ...results.rounds, [phase]: rounds };
    for (const kind of kinds) log(`${phase}: ${kind} per round: ${rounds[kind].map((run) => fmt(figure(run), 2)).join(', ')}`);
  }
  return mapKinds(rounds, (runs) => {
    const sorted = [...runs].sort((a, b) => figure(a) - figure(b));
    return sorted[Math.floor((sorted.length - 1) / 2)];
  });
}

function mapKinds(byKind, fn) {
  return Object.fromEntries(Object.entries(byKind).map(([kind, value]) => [kind, fn(value)]));
}

async function main() {
  if (!existsSync(MAIN_JS)) throw new Error('dist/src/main.js is missing: run "npm run build" first');
  pinSelf();
  log(`bench ${SMOKE ? '(smoke sizes) ' : ''}on ${results.machine.cpu}, ${results.machine.memoryGiB} GiB, Node ${process.version}; results in ${OUT}`);
  const needsUsers = PHASES.some((p) => p !== 'flush');
  const { db, users } = needsUsers ? await usersForRun() : { db: null, users: [] };
  try {
    const compared = (kinds) => (options.compareRoot !== '' ? ['compare', ...kinds] : kinds);
    if (PHASES.includes('memory') || PHASES.includes('heartbeat')) {
      const runs = await alternated('memory', compared(['service', 'bare']), (kind) => memoryAndHeartbeat(kind, db, users), (run) => run.memory.rssPerSocket);
      results.memory = mapKinds(runs, (run) => run.memory);
      if (PHASES.includes('heartbeat')) results.heartbeat = mapKinds(runs, (run) => run.heartbeat);
    }
    if (PHASES.includes('storm')) results.storm = await storm(db, users);
    if (PHASES.includes('fleet')) results.fleet = await fleetOfOneUser(db, users);
    if (PHASES.includes('fanout')) {
      const subset = users.slice(0, Math.ceil(5_000 / SIZES.viewersPerUser));
      results.fanout = await alternated('fanout', compared(['service', 'bare']), (kind) => fanout(kind, db, subset), (run) => run.perSecond);
    }
    if (PHASES.includes('cross')) results.cross = await alternated('cross', compared(['service', 'bare']), (kind) => crossInstance(kind, db, users), (run) => run.p99);
    if (PHASES.includes('rest')) results.rest = await rest(db, users);
    if (PHASES.includes('flush')) results.flush = await flush();
    if (PHASES.includes('alerts')) results.alerts = await alerts(db, users);
  } finally {
    await db?.drop();
  }
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = (Date.now() - startedAt) / 1000;
  const rows = table();
  results.table = rows;
  results.plots = plots();
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2));
  printTable(rows);
  log(`done in ${(results.durationSeconds / 60).toFixed(1)} min; results.json and plots in ${OUT}`);
  logFile.end();
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
