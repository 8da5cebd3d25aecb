import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createRequire } from 'node:module';

const { WebSocket } = createRequire(import.meta.url)('ws');

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN_JS = join(ROOT, 'dist', 'src', 'main.js');
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Shared by every service instance of a run, so tokens minted by one work on all. */
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * CPU milliseconds this process's main thread (the event loop) has run, from Linux's schedstat
 * (NaN elsewhere): unlike process CPU, without V8's GC helper threads (which also sweep the bench's
 * own garbage), and unlike wall time, without the time the thread waited for a core on a loaded
 * machine.
 */
export function mainThreadMs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Resident memory (bytes) and CPU time (ms, user + system) of a process, from /proc. */
export function processStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const { cpuMs } = parseStat(stat);
  return { rss, cpuMs };
}

/** CPU time (ms) of every process of a PostgreSQL or Redis server, by command name. */
export function cpuOfCommand(pattern) {
  let total = 0;
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const { name, cpuMs } = parseStat(stat);
      if (!pattern.test(name)) continue;
      total += cpuMs;
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/**
 * CPU time of a server's processes as a counter that only grows: per process, what it used since
 * the previous reading (all of it for a process not seen before), so that backends which exit
 * between readings (a restarted instance's pool) do not make the total fall. `cmdline` keeps only
 * some processes, e.g. the backends of one database and the server's own background processes.
 */
export class CpuMeter {
  constructor(pattern, cmdline = () => true) {
    this.pattern = pattern;
    this.cmdline = cmdline;
    this.seen = new Map();
    this.totalMs = 0;
  }

  readMs() {
    const now = new Map();
    for (const entry of safeReaddir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const { name, cpuMs, startTime } = parseStat(stat);
        if (!this.pattern.test(name)) continue;
        if (!this.cmdline(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '))) continue;
        // pid + start time: a reused pid is another process.
        now.set(`${entry}:${startTime}`, cpuMs);
      } catch {
        // the process ended while we looked
      }
    }
    for (const [key, ms] of now) this.totalMs += ms - (this.seen.get(key) ?? 0);
    this.seen = now;
    return this.totalMs;
  }
}

/** A /proc/<pid>/stat line: the command name, user + system CPU time (ms) and the start time (ticks). */
function parseStat(stat) {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS,
    startTime: fields[19],
  };
}

function safeReaddir(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** `taskset -c <cpus>` prefix when pinning is possible (2+ cores and taskset present). */
export function pinned(cpus, command, args) {
  if (cpus === null || !existsSync('/usr/bin/taskset')) return { command, args };
  return { command: '/usr/bin/taskset', args: ['-c', cpus, command, ...args] };
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 (or the deadline passes). */
export async function waitForHttp(url, deadlineMs = 60_000, isDead = () => false) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (isDead()) throw new Error(`process ended before ${url} answered`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${deadlineMs} ms`);
    await sleep(100);
  }
}

/**
 * Runs the built service (<root>/dist/src/main.js; `root` another checkout to compare builds) as its own process, as in production, with `env` on
 * top of benchmark defaults (LOG_LEVEL=warn: an access-log line per request would be measured
 * too). Resolves once /health/live answers.
 */
export async function startService(env, { cpus = null, label = 'service', nodeArgs = [], logFile = null, root = ROOT, stopTimeoutMs = 20_000 } = {}) {
  const mainJs = join(root, 'dist', 'src', 'main.js');
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run "npm run build" first`);
  // A given PORT is kept (an instance restarted where its clients expect it), else a free one.
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
  const { command, args } = pinned(cpus, process.execPath, [...nodeArgs, mainJs]);
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      JWT_SECRET: BENCH_JWT_SECRET,
      JWT_ACCESS_TTL: '14400',
      AUTH_REQUESTS_PER_MINUTE: '1000000',
      DATA_DIR: join(ROOT, 'data', 'bench'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const onLine = (line) => {
    if (lines.length < 2_000) lines.push(line);
    if (logFile !== null) logFile.write(`[${label}] ${line}\n`);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health/live`, 60_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${label} did not start: ${error.message}\n${lines.slice(-20).join('\n')}`);
  }
  // Under taskset the pid is taskset's until it execs node: the same pid, so /proc reads are right.
  return {
    label,
    url,
    port,
    pid: child.pid,
    child,
    lines,
    stats: () => processStats(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      // SIGKILL only past `stopTimeoutMs`: a service draining its sockets (SHUTDOWN_DRAIN_MS)
      // must be given the whole window, or a "graceful" restart is measured as a kill.
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export async function adminQuery(sql, params = [], url = POSTGRES_URL) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A fresh database for one benchmark run (dropped by `drop`). */
export async function createDatabase(prefix = 'bench', serverUrl = POSTGRES_URL) {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  await adminQuery(`CREATE DATABASE "${name}"`, [], serverUrl);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, [], serverUrl) };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `--name value` and `--flag` arguments into an object (numbers parsed). */
export function parseArgs(argv, defaults) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    // Split at the first '=' only: a value may hold '=' itself (--service-flags=--max-semi-space-size=8).
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const name = key.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i += 1;
      } else {
        value = 'true';
      }
    }
    const previous = defaults[name];
    if (typeof previous === 'number') options[name] = Number(value);
    else if (typeof previous === 'boolean') options[name] = value !== 'false';
    else options[name] = value;
    if (typeof previous === 'number' && !Number.isFinite(options[name])) throw new Error(`--${key} needs a number`);
  }
  return options;
}

/**
 * Runs a baseline server script (bench/baseline/*.mjs) that prints `listening <port>` when ready.
 */
export async function startBaseline(script, scriptArgs, env = {}, { cpus = null, label = 'baseline', logFile = null, nodeArgs = [] } = {}) {
  const { command, args } = pinned(cpus, process.execPath, [...nodeArgs, join(ROOT, script), ...scriptArgs]);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', JWT_SECRET: BENCH_JWT_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const onLine = (line) => {
      if (lines.length < 2_000) lines.push(line);
      if (logFile !== null) logFile.write(`[${label}] ${line}\n`);
      const match = /^listening (\d+)/.exec(line);
      if (match) resolve(Number(match[1]));
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}):\n${lines.slice(-20).join('\n')}`)));
  });
  return {
    label,
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    child,
    lines,
    stats: () => processStats(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Forces a full garbage collection in a process started with --inspect=127.0.0.1:0 (through the
 * inspector protocol: no code of the process changes) and returns its V8 heap use afterwards.
 */
export async function collectGarbage(server) {
  const line = server.lines.find((l) => /Debugger listening on ws:\/\//.test(l));
  if (line === undefined) throw new Error(`${server.label} was not started with --inspect`);
  const url = /(ws:\/\/\S+)/.exec(line)[1];
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  const call = (method) =>
    new Promise((resolve) => {
      const id = nextId++;
      const onMessage = (data) => {
        const message = JSON.parse(String(data));
        if (message.id !== id) return;
        socket.off('message', onMessage);
        resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method }));
    });
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  const usage = await call('Runtime.getHeapUsage');
  socket.close();
  return usage.usedSize;
}
