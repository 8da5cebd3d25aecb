/**
 * `npm run bench:cluster -- [options]`: the service as a cluster under node-scale load, on one
 * machine. N instances of the built service share one PostgreSQL and one Redis; client processes
 * hold the node sockets (many nodes per user, 30 s heartbeats) and dashboard viewers, spread over
 * 127.0.0.x source addresses and connected straight to the instances, as a consistent-hash L4
 * balancer would place them (nginx would hold two descriptors per proxied socket, and on one
 * machine its CPU would be taken from the instances being measured). A socket whose instance goes
 * away reconnects to another instance after an exponential backoff with jitter, as a node app does.
 *
 * Phases: ramp → steady state → SIGKILL of one instance (its sockets reconnect to the others) →
 * restart → rolling restart of every instance with SIGTERM (sockets handed over gradually over
 * SHUTDOWN_DRAIN_MS). Afterwards the ledger invariant, referral accounting and every node's
 * credited uptime (against the bounds its client saw) are checked in SQL. Figures go to
 * bench/results/cluster.json and plots to bench/results/cluster-*.png.
 *
 * Options (defaults in brackets):
 *   --instances     service instances                                   [4]
 *   --nodes         node sockets                                        [60000]
 *   --viewers       dashboard sockets (role viewer)                     [2000]
 *   --per-user      nodes per user                                      [15]
 *   --heartbeat-ms  heartbeat period of every socket                    [30000]
 *   --steady        seconds of steady state                             [180]
 *   --flush-ms      EARNINGS_FLUSH_MS of the instances                  [5000]
 *   --drain-ms      SHUTDOWN_DRAIN_MS of the instances                  [20000]
 *   --restart-after seconds before the SIGKILLed instance comes back    [10, a pod restart]
 *   --max-connections WS_MAX_CONNECTIONS per instance (file limit 20,000 here) [19000]
 *   --quick         smoke size: 2 instances, 2,000 nodes, 100 viewers, 20 s, drain 3 s
 *   --pool-size     DATABASE_POOL_SIZE of each instance    [20, less if max_connections is short]
 *   --name          file name of the results in bench/results/    [cluster, or cluster-quick]
 *
 * Needs `npm run build` first, and PostgreSQL and Redis as for `npm run bench`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus as machineCpus } from 'node:os';
import { join } from 'node:path';
import { registerUsers } from './lib/api.mjs';
import { Fleet, MAX_SOCKETS_PER_PROCESS } from './lib/fleet.mjs';
import { lineChart } from './lib/plot.mjs';
import pg from 'pg';
import { adminQuery, CpuMeter, createDatabase, freePort, parseArgs, POSTGRES_URL, REDIS_URL, ROOT, sleep, startService } from './lib/proc.mjs';
import { fmt, Histogram } from './lib/stats.mjs';

const Redis = createRequire(import.meta.url)('ioredis');

const DEFAULTS = { instances: 4, nodes: 60_000, viewers: 2_000, perUser: 15, heartbeatMs: 30_000, steady: 180, flushMs: 5_000, drainMs: 20_000, restartAfter: 10, maxConnections: 19_000, quick: false, name: '', poolSize: 0 };
const QUICK = { instances: 2, nodes: 2_000, viewers: 100, steady: 20, drainMs: 3_000, restartAfter: 3 };
const argv = process.argv.slice(2);
const o = parseArgs(argv, parseArgs(argv, DEFAULTS).quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS);
const RESULTS = join(ROOT, 'bench', 'results');
/** First reconnect window and cap of the clients' exponential backoff (bench/lib/worker.mjs). */
const RECONNECT_BACKOFF_MS = [1_000, 30_000];
/** Longest a phase may take to get every socket connected again before the run gives up on it. */
const RECONNECT_DEADLINE_MS = 15 * 60_000;

const started = Date.now();
const say = (line) => process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)}s ${line}\n`);

async function main() {
  const cores = machineCpus().length;
  const prefix = `cl${Date.now().toString(36)}:`;
  const db = await createDatabase('cluster');
  const redis = new Redis(REDIS_URL);
  const ports = [];
  for (let i = 0; i < o.instances; i++) ports.push(await freePort());
  // Every instance's pool must fit in PostgreSQL's max_connections beside the run's own clients
  // (and whatever else uses the server): 20 each (the default) where there is room, else less.
  const [{ max_connections: maxConnections }] = (await adminQuery('SHOW max_connections')).rows;
  const poolSize = o.poolSize > 0 ? o.poolSize : Math.max(4, Math.min(20, Math.floor((Number(maxConnections) - 30) / o.instances)));
  const env = {
    DATABASE_POOL_SIZE: String(poolSize),
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    HEARTBEAT_INTERVAL_MS: String(o.heartbeatMs),
    CLIENT_TIMEOUT_MS: String(o.heartbeatMs * 3),
    EARNINGS_FLUSH_MS: String(o.flushMs),
    // Under the file limit: after a kill the survivors fill up and refuse the rest with 1013 (the
    // clients back off) until the instance is back, instead of running out of descriptors.
    WS_MAX_CONNECTIONS: String(o.maxConnections),
    // Every node app of a user shares the user's address range here; no per-IP earning cap.
    MAX_EARNING_NODES_PER_IP: '0',
  };
  // Each instance pinned to one core in turn: as close to "a share of the CPUs" as 2 cores allow.
  const cpuOf = (i) => (cores > 1 ? String(i % cores) : null);
  const instances = new Array(o.instances);
  const drainOf = new Array(o.instances).fill(o.drainMs);
  const start = async (i, drainMs = o.drainMs) => {
    drainOf[i] = drainMs;
    instances[i] = await startService(
      { ...env, PORT: String(ports[i]), SHUTDOWN_DRAIN_MS: String(drainMs) },
      // The service's own shutdown bound is 60 s + drain (src/main.ts): never cut a drain short.
      { cpus: cpuOf(i), label: `instance-${i}`, stopTimeoutMs: drainMs + 65_000 },
    );
    return instances[i];
  };
  say(`cluster: ${o.instances} instances on ${cores} cores, ${o.nodes} nodes (${o.perUser} per user), ${o.viewers} viewers, heartbeat ${o.heartbeatMs} ms, database pool ${poolSize} per instance`);
  await Promise.all(ports.map((_, i) => start(i)));

  const results = { options: o, cores, phases: {}, series: [] };
  let fleet = null;
  let pgStats = null;
  try {
    // ------------------------------------------------------------------ users
    const userCount = Math.ceil(o.nodes / o.perUser);
    const perInstance = Math.ceil(userCount / o.instances);
    const registered = await Promise.all(
      instances.map((instance, i) => registerUsers(instance.url, Math.min(perInstance, userCount - i * perInstance), { prefix: `c${i}`, concurrency: 4 })),
    );
    const users = registered.flatMap((r) => r.users);
    say(`registered ${users.length} users`);

    const specs = [];
    for (let k = 0; k < o.nodes; k++) {
      const user = users[k % users.length];
      specs.push({ path: `/ws/dashboard?token=${user.token}`, userId: user.id, connect: { device_id: `node-${Math.floor(k / users.length)}`, role: 'node' } });
    }
    for (let k = 0; k < o.viewers; k++) {
      const user = users[(k * 7) % users.length];
      specs.push({ path: `/ws/dashboard?token=${user.token}`, userId: user.id, connect: { device_id: `view-${k}`, role: 'viewer' } });
    }
    const total = specs.length;
    fleet = new Fleet(Math.max(2, Math.ceil(total / (MAX_SOCKETS_PER_PROCESS * 0.75))));

    // ------------------------------------------------------------------ sampling
    // One connection for the whole run's sampling: a new one per sample can find PostgreSQL full.
    pgStats = new pg.Client({ connectionString: POSTGRES_URL });
    await pgStats.connect();
    const sampler = new Sampler(instances, db, pgStats, redis, fleet);
    await sampler.sample('start');

    // ------------------------------------------------------------------ ramp
    const rampStarted = Date.now();
    const rampBase = sampler.snapshot();
    const opened = fleet.open(instances[0].url, specs, { reconnectTo: { ports, backoffMs: RECONNECT_BACKOFF_MS } });
    // Each node heartbeats from its Connected on, as a node app does: a ramp longer than
    // CLIENT_TIMEOUT_MS would otherwise see its first sockets closed 4000 for silence.
    await fleet.heartbeat(o.heartbeatMs, 0.2);
    let settled = false;
    void opened.then(() => (settled = true));
    let failedAttempts = 0;
    while (!settled) {
      await sleep(2_000);
      const s = await sampler.sample('ramp');
      failedAttempts += s.errors;
      say(`ramp: ${s.connected}/${total} connected, ${failedAttempts} failed attempts so far, closes ${JSON.stringify(s.closes)}`);
    }
    await waitAllConnected(fleet, total, sampler, 'ramp', (s) => (failedAttempts += s.errors));
    const rampSeconds = (Date.now() - rampStarted) / 1000;
    const afterRamp = await fleet.stats(true);
    failedAttempts += afterRamp.errors;
    const rampCpu = sampler.since(rampBase, total);
    results.phases.ramp = {
      seconds: rampSeconds,
      // Instance CPU per connect: upgrade, token check, node registration, snapshot.
      cpuMsPerConnect: (sumFinite(rampCpu.instanceCpuCores) * rampSeconds * 1000) / total,
      postgresCpuCores: rampCpu.postgresCpuCores,
      connectsPerSecond: total / rampSeconds,
      failedAttempts,
      connectLatencyMs: afterRamp.connectLatency.summary(),
    };
    say(`ramp: ${total} sockets in ${fmt(rampSeconds)} s (${fmt(total / rampSeconds, 0)}/s), ${failedAttempts} failed attempts (retried)`);

    // ------------------------------------------------------------------ steady state
    const steadyStarted = Date.now();
    const steadyBase = sampler.snapshot();
    const steadyRtt = new Histogram();
    const rttByPort = new Map();
    const updateLatency = new Histogram();
    while (Date.now() - steadyStarted < o.steady * 1000) {
      await sleep(5_000);
      const s = await sampler.sample('steady');
      steadyRtt.merge(s.rtt);
      updateLatency.merge(s.updateLatency);
      for (const [port, histogram] of s.rttByPort) (rttByPort.get(port) ?? rttByPort.set(port, new Histogram()).get(port)).merge(histogram);
      say(`steady: ${s.connected}/${total} · hb rtt p99 ${fmt(s.rtt.percentile(99), 1)} ms · flush ${fmt(s.flushSeconds * 1000, 0)} ms for ${fmt(s.flushUsers, 0)} users · loop p99 ${s.loopP99Ms.map((v) => fmt(v, 1)).join('/')} ms`);
    }
    results.phases.steady = {
      seconds: (Date.now() - steadyStarted) / 1000,
      heartbeatRttMs: steadyRtt.summary(),
      heartbeatRttMsByInstance: Object.fromEntries([...rttByPort].map(([port, h]) => [`instance-${ports.indexOf(Number(port))}`, h.summary()])),
      viewerUpdateLatencyMs: updateLatency.summary(),
      ...sampler.since(steadyBase, total),
    };

    // ------------------------------------------------------------------ SIGKILL of one instance
    // Its sockets reconnect to the survivors at once (a storm, no drain); those that find the
    // survivors full are refused with 1013 and retry until the instance is back (a pod restart).
    const victim = o.instances - 1;
    const killBase = sampler.snapshot();
    const killedAt = Date.now();
    instances[victim].child.kill('SIGKILL');
    await instances[victim].stop();
    say(`SIGKILL instance-${victim}`);
    const killRtt = new Histogram();
    // Back without a drain window: its SIGTERM in the rolling restart is the control, all at once.
    const restarted = sleep(o.restartAfter * 1000).then(() => start(victim, 0));
    await waitAllConnected(fleet, total, sampler, 'kill', (s) => killRtt.merge(s.rtt), restarted);
    const killRecovered = (Date.now() - killedAt) / 1000;
    const refusedAtCapacity = refusalsSince(sampler.snapshot(), killBase);
    sampler.instances = instances;
    results.phases.kill = {
      secondsUntilAllConnected: killRecovered,
      restartAfterSeconds: o.restartAfter,
      refusedAtCapacity,
      peakReconnectsPerSecond: sampler.peakReconnectsPerSecond(killBase),
      survivorsHeartbeatRttMs: killRtt.summary(),
      ...sampler.since(killBase, total),
    };
    say(`kill: every socket connected again after ${fmt(killRecovered)} s (instance back after ${o.restartAfter} s; ${refusedAtCapacity} refused at capacity meanwhile); heartbeat p99 ${fmt(killRtt.percentile(99), 1)} ms`);

    // ------------------------------------------------------------------ rolling restart (SIGTERM)
    const rolling = [];
    for (let i = 0; i < o.instances; i++) {
      const base = sampler.snapshot();
      const stepStarted = Date.now();
      const stepRtt = new Histogram();
      const drainMs = drainOf[i];
      const sockets = sampler.snapshot().sockets[i];
      // Back as soon as it has exited (as a rolling update replaces a pod): with every instance
      // near its socket limit, the others cannot hold all of its sockets meanwhile.
      let exit;
      const replaced = instances[i].stop().then(async (result) => {
        exit = result;
        await start(i);
        sampler.instances = instances;
      });
      await waitAllConnected(fleet, total, sampler, `restart-${i}`, (s) => stepRtt.merge(s.rtt), replaced);
      const seconds = (Date.now() - stepStarted) / 1000;
      const peak = sampler.peakReconnectsPerSecond(base);
      const refusedAtCapacity = refusalsSince(sampler.snapshot(), base);
      rolling.push({ instance: i, drainMs, sockets, exit, secondsUntilAllConnected: seconds, peakReconnectsPerSecond: peak, refusedAtCapacity, heartbeatRttMs: stepRtt.summary(), ...sampler.since(base, total) });
      say(`restart instance-${i} (${sockets} sockets, drain ${drainMs} ms): exit ${JSON.stringify(exit)}, every socket connected again after ${fmt(seconds)} s, peak ${fmt(peak, 0)} reconnects/s, heartbeat p99 ${fmt(stepRtt.percentile(99), 1)} ms`);
    }
    results.phases.rollingRestart = rolling;

    // ------------------------------------------------------------------ checks in SQL
    await fleet.stopHeartbeat();
    const credits = await fleet.credits();
    await fleet.close();
    fleet = null;
    await Promise.all(instances.map((instance) => instance.stop()));
    results.phases.checks = await checks(db.url, credits);
    say(`checks: ${JSON.stringify(results.phases.checks)}`);
    results.series = sampler.series;
    results.perInstanceSocketsAtEnd = sampler.series.at(-1)?.sockets ?? [];
  } finally {
    if (fleet !== null) await fleet.close().catch(() => undefined);
    await Promise.all(instances.map((instance) => instance?.stop().catch(() => undefined)));
    redis.disconnect();
    await pgStats?.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }

  mkdirSync(RESULTS, { recursive: true });
  const name = o.name || (o.quick ? 'cluster-quick' : 'cluster');
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  plots(name, results);
  printSummary(results);
}

/**
 * Waits until every socket is connected again (reconnects happen in the workers), sampling every
 * second; with `alsoWaitFor` (a stop or a restart in progress), not before that has settled.
 */
async function waitAllConnected(fleet, total, sampler, phase, onSample = () => undefined, alsoWaitFor = null) {
  const deadline = Date.now() + RECONNECT_DEADLINE_MS;
  let settled = alsoWaitFor === null;
  void alsoWaitFor?.then(() => (settled = true));
  let lastSaid = Date.now();
  for (;;) {
    const s = await sampler.sample(phase);
    onSample(s);
    if (settled && s.connected >= total) return;
    if (Date.now() - lastSaid >= 10_000) {
      lastSaid = Date.now();
      say(`${phase}: ${s.connected}/${total} connected; not connected: ${JSON.stringify(s.notConnected)}; sockets per instance ${s.sockets.join('/')}; refused at capacity so far ${refusalsSince(s, sampler.series[0])}; handshake timeouts ${s.handshakeTimeouts}`);
    }
    if (Date.now() > deadline) throw new Error(`${phase}: only ${s.connected}/${total} connected after ${RECONNECT_DEADLINE_MS / 1000} s`);
    await sleep(1_000);
  }
}

/**
 * Time series of the run: client view (connected sockets, heartbeat RTT) and each instance's
 * (sockets, event-loop delay, RSS, CPU, flushes) plus PostgreSQL and Redis (CPU, transactions,
 * commands). `since(snapshot)` turns the counters between two points into rates.
 */
class Sampler {
  constructor(instances, db, pgStats, redis, fleet) {
    this.instances = instances;
    // PostgreSQL: this run's backends and the server's own processes, not other databases' clients.
    this.postgresCpu = new CpuMeter(/^postgres/, (cmdline) => cmdline.includes(` ${db.name} `) || !/\(\d+\)|\[local\]/.test(cmdline));
    const redisPort = new URL(REDIS_URL).port || '6379';
    this.redisCpu = new CpuMeter(/^redis-server/, (cmdline) => cmdline.includes(`:${redisPort}`));
    this.db = db;
    this.pgStats = pgStats;
    this.redis = redis;
    this.fleet = fleet;
    this.series = [];
    this.t0 = Date.now();
    /** Closes seen by the clients since the start, by code. */
    this.closes = {};
    /** Sockets dropped by their client for not reaching Connected in time, since the start. */
    this.handshakeTimeouts = 0;
  }

  async sample(phase) {
    const client = await this.fleet.stats(true);
    const metrics = await Promise.all(this.instances.map((instance) => scrape(instance)));
    const [xact] = (await this.pgStats.query(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1`, [this.db.name])).rows;
    const info = await this.redis.info('stats');
    for (const [code, n] of Object.entries(client.closes)) this.closes[code] = (this.closes[code] ?? 0) + n;
    const point = {
      t: (Date.now() - this.t0) / 1000,
      phase,
      connected: client.connected,
      notConnected: client.notConnected,
      handshakeTimeouts: (this.handshakeTimeouts += client.handshakeTimeouts),
      errors: client.errors,
      reconnects: client.reconnects,
      closes: { ...this.closes },
      rttP99: client.rtt.percentile(99),
      rttP50: client.rtt.percentile(50),
      hbAnswered: client.hbReceived,
      sockets: metrics.map((m) => m.sockets),
      loopP99Ms: metrics.map((m) => m.loopP99 * 1000),
      rss: this.instances.map((instance) => safe(() => instance.stats().rss)),
      cpuMs: this.instances.map((instance) => safe(() => instance.stats().cpuMs)),
      flushCount: metrics.reduce((n, m) => n + m.flushCount, 0),
      flushSum: metrics.reduce((n, m) => n + m.flushSum, 0),
      flushRowsSum: metrics.reduce((n, m) => n + m.flushRowsSum, 0),
      postgresCpuMs: this.postgresCpu.readMs(),
      postgresXacts: Number(xact?.n ?? 0),
      redisCpuMs: this.redisCpu.readMs(),
      redisCommands: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0),
    };
    const previous = this.series.at(-1);
    const flushes = previous ? point.flushCount - previous.flushCount : 0;
    point.flushSeconds = flushes > 0 ? (point.flushSum - previous.flushSum) / flushes : NaN;
    point.flushUsers = flushes > 0 ? (point.flushRowsSum - previous.flushRowsSum) / flushes : NaN;
    this.series.push(point);
    return { ...point, rtt: client.rtt, rttByPort: client.rttByPort, updateLatency: client.updateLatency };
  }

  snapshot() {
    return this.series.at(-1);
  }

  /** The highest rate of reconnects the clients made between two samples since `base`. */
  peakReconnectsPerSecond(base) {
    let peak = 0;
    for (let k = this.series.indexOf(base) + 1; k < this.series.length; k++) {
      const seconds = this.series[k].t - this.series[k - 1].t;
      if (seconds > 0) peak = Math.max(peak, this.series[k].reconnects / seconds);
    }
    return peak;
  }

  /** Rates and per-unit figures between `base` and the latest sample. */
  since(base, sockets) {
    const last = this.series.at(-1);
    const seconds = last.t - base.t;
    const cpu = last.cpuMs.map((ms, i) => (Number.isFinite(ms) && Number.isFinite(base.cpuMs[i]) && ms >= base.cpuMs[i] ? (ms - base.cpuMs[i]) / (seconds * 1000) : NaN));
    const flushes = last.flushCount - base.flushCount;
    return {
      instanceCpuCores: cpu,
      instanceRssMb: last.rss.map((rss) => rss / 2 ** 20),
      // Growth over the empty instances of the first sample, per socket.
      rssPerSocketKb: (sumFinite(last.rss) - sumFinite(this.series[0].rss)) / 1024 / sockets,
      eventLoopP99Ms: last.loopP99Ms,
      socketsPerInstance: last.sockets,
      postgresCpuCores: (last.postgresCpuMs - base.postgresCpuMs) / (seconds * 1000),
      postgresTransactionsPerSecond: (last.postgresXacts - base.postgresXacts) / seconds,
      redisCpuCores: (last.redisCpuMs - base.redisCpuMs) / (seconds * 1000),
      redisCommandsPerSecond: (last.redisCommands - base.redisCommands) / seconds,
      flushes,
      flushMeanSeconds: flushes > 0 ? (last.flushSum - base.flushSum) / flushes : NaN,
      usersPerFlush: flushes > 0 ? (last.flushRowsSum - base.flushRowsSum) / flushes : NaN,
    };
  }
}

/** Upgrades refused at WS_MAX_CONNECTIONS between two samples (HTTP 503; 1013 closes before issue 15). */
function refusalsSince(last, base) {
  const count = (sample) => (sample.closes.http503 ?? 0) + (sample.closes['1013'] ?? 0);
  return count(last) - count(base);
}

function sumFinite(values) {
  return values.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}

function safe(read) {
  try {
    return read();
  } catch {
    return NaN;
  }
}

/** The few series of an instance's /metrics this run reads (a dead instance reads as zeros). */
async function scrape(instance) {
  const empty = { sockets: 0, loopP99: NaN, flushCount: 0, flushSum: 0, flushRowsSum: 0 };
  if (instance === undefined || instance.child.exitCode !== null || instance.child.signalCode !== null) return empty;
  try {
    const text = await (await fetch(`${instance.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const sum = (name) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    return {
      sockets: sum('dashboard_ws_connections'),
      loopP99: sum('nodejs_eventloop_lag_p99_seconds'),
      flushCount: sum('dashboard_accrual_flush_duration_seconds_count'),
      flushSum: sum('dashboard_accrual_flush_duration_seconds_sum'),
      flushRowsSum: sum('dashboard_accrual_flush_rows_sum'),
    };
  } catch {
    return empty;
  }
}

/**
 * After the run, in SQL: the ledger invariant (balances = sum of rows, per user and source),
 * referral accounting (what each referrer was credited = what their referrals attribute), and
 * every node's credited uptime against the bounds its client saw: below the lower bound is uptime
 * lost (expected only for sessions on the SIGKILLed instance, at most one flush interval each),
 * above the upper bound would be double credit.
 */
async function checks(url, credits) {
  const query = (sql) => adminQuery(sql, [], url).then((result) => result.rows);
  const ledger = await query(`
    WITH sums AS (SELECT user_id, source, sum(amount) AS amount FROM earnings GROUP BY user_id, source),
         balances AS (
           SELECT user_id, 'Network' AS source, network AS amount FROM user_balances
           UNION ALL SELECT user_id, 'Referral', referral FROM user_balances
           UNION ALL SELECT user_id, 'Bonus', bonus FROM user_balances)
    SELECT count(*)::int AS mismatches FROM balances b FULL JOIN sums s USING (user_id, source)
     WHERE COALESCE(b.amount, 0) <> COALESCE(s.amount, 0)`);
  const referrals = await query(`
    WITH credited AS (SELECT user_id, sum(amount) AS amount FROM earnings
                       WHERE source = 'Referral' OR (source = 'Bonus' AND ref LIKE 'referral:%') GROUP BY user_id),
         attributed AS (SELECT referrer_id AS user_id, sum(points) AS amount FROM referrals GROUP BY referrer_id)
    SELECT count(*)::int AS mismatches FROM credited c FULL JOIN attributed a USING (user_id)
     WHERE COALESCE(c.amount, 0) <> COALESCE(a.amount, 0)`);
  const rows = await query(`SELECT user_id, device_id, connection_time::float8 AS seconds FROM network_connections`);
  const credited = new Map(rows.map((row) => [`${row.user_id}/${row.device_id}`, row.seconds]));
  let lostSeconds = 0;
  let maxLostSeconds = 0;
  let doubleCredited = 0;
  let countedSeconds = 0;
  // Nodes whose instance never died under them must have lost nothing (SIGTERM loses nothing).
  let lostWithoutKill = 0;
  let nodesLosingWithoutKill = 0;
  let killedNodes = 0;
  for (const [userId, deviceId, lower, upper, , abnormalCloses] of credits) {
    if (!deviceId.startsWith('node-')) continue;
    const seconds = credited.get(`${userId}/${deviceId}`) ?? 0;
    countedSeconds += lower;
    // Stored to the millisecond, summed over a few sessions: a few ms of rounding is not a loss.
    const lost = Math.max(0, lower - seconds - 0.01);
    lostSeconds += lost;
    maxLostSeconds = Math.max(maxLostSeconds, lost);
    if (abnormalCloses > 0) killedNodes += 1;
    else if (lost > 0) {
      lostWithoutKill += lost;
      nodesLosingWithoutKill += 1;
    }
    if (seconds > upper + 0.01) doubleCredited += 1;
  }
  return {
    ledgerMismatches: ledger[0].mismatches,
    referralMismatches: referrals[0].mismatches,
    nodes: credits.filter(([, deviceId]) => deviceId.startsWith('node-')).length,
    countedSeconds,
    lostSeconds,
    lostFraction: countedSeconds > 0 ? lostSeconds / countedSeconds : 0,
    maxLostSecondsPerNode: maxLostSeconds,
    nodesOnTheKilledInstance: killedNodes,
    lostSecondsElsewhere: lostWithoutKill,
    nodesLosingElsewhere: nodesLosingWithoutKill,
    doubleCredited,
  };
}

function plots(name, results) {
  const phases = results.series;
  const points = (pick) => phases.map((p) => [p.t, pick(p)]);
  const perInstance = (pick) =>
    results.options.instances > 0
      ? Array.from({ length: results.options.instances }, (_, i) => ({ name: `instance-${i}`, points: points((p) => pick(p, i)) }))
      : [];
  lineChart(join(RESULTS, `${name}-sockets.png`), {
    title: 'Sockets over time (ramp, SIGKILL, rolling restart)',
    xLabel: 'seconds',
    yLabel: 'open sockets',
    series: [{ name: 'client: connected', points: points((p) => p.connected) }, ...perInstance((p, i) => p.sockets[i])],
  });
  lineChart(join(RESULTS, `${name}-rtt.png`), {
    title: 'Heartbeat round trip p99 over time',
    xLabel: 'seconds',
    yLabel: 'ms',
    logY: true,
    series: [{ name: 'p99', points: points((p) => p.rttP99) }, { name: 'p50', points: points((p) => p.rttP50) }],
  });
  lineChart(join(RESULTS, `${name}-flush.png`), {
    title: 'Accrual flush duration over time (mean per sample)',
    xLabel: 'seconds',
    yLabel: 'ms',
    series: [{ name: 'flush', points: points((p) => p.flushSeconds * 1000) }],
  });
}

function printSummary(results) {
  const { ramp, steady, kill, rollingRestart, checks: c } = results.phases;
  const lines = [
    `| phase | figure |`,
    `| --- | --- |`,
    `| ramp | ${fmt(ramp.connectsPerSecond, 0)} connects/s, ${ramp.failedAttempts} failed attempts (retried), Connected p99 ${fmt(ramp.connectLatencyMs.p99, 0)} ms |`,
    `| steady: heartbeat RTT | p50 ${fmt(steady.heartbeatRttMs.p50, 2)} / p99 ${fmt(steady.heartbeatRttMs.p99, 1)} ms; by instance p99 ${Object.entries(steady.heartbeatRttMsByInstance).map(([k, v]) => `${k} ${fmt(v.p99, 1)}`).join(', ')} |`,
    `| steady: instances | CPU ${steady.instanceCpuCores.map((v) => fmt(v, 2)).join(' / ')} cores, event loop p99 ${steady.eventLoopP99Ms.map((v) => fmt(v, 1)).join(' / ')} ms, RSS ${fmt(steady.rssPerSocketKb, 1)} KB per socket |`,
    `| steady: PostgreSQL | ${fmt(steady.postgresCpuCores, 2)} cores, ${fmt(steady.postgresTransactionsPerSecond, 0)} transactions/s; flush ${fmt(steady.flushMeanSeconds * 1000, 0)} ms for ${fmt(steady.usersPerFlush, 0)} users |`,
    `| steady: Redis | ${fmt(steady.redisCpuCores, 2)} cores, ${fmt(steady.redisCommandsPerSecond, 0)} commands/s |`,
    `| steady: viewers | EarningsUpdate from ledger write to frame p50 ${fmt(steady.viewerUpdateLatencyMs.p50, 0)} / p99 ${fmt(steady.viewerUpdateLatencyMs.p99, 0)} ms |`,
    `| SIGKILL one instance | every socket connected again after ${fmt(kill.secondsUntilAllConnected, 1)} s (instance back after ${kill.restartAfterSeconds} s; ${kill.refusedAtCapacity} refused at capacity meanwhile); peak ${fmt(kill.peakReconnectsPerSecond, 0)} reconnects/s; heartbeat p99 ${fmt(kill.survivorsHeartbeatRttMs.p99, 1)} ms |`,
    ...rollingRestart.map((step) => `| SIGTERM instance-${step.instance} (${step.sockets} sockets, drain ${step.drainMs} ms) | exit ${step.exit.code}; all connected again after ${fmt(step.secondsUntilAllConnected, 1)} s; peak ${fmt(step.peakReconnectsPerSecond, 0)} reconnects/s; heartbeat p99 ${fmt(step.heartbeatRttMs.p99, 1)} ms |`),
    `| after the run | ledger mismatches ${c.ledgerMismatches}, referral mismatches ${c.referralMismatches}; uptime lost ${fmt(c.lostSeconds, 1)} s of ${fmt(c.countedSeconds, 0)} s (${fmt(c.lostFraction * 100, 3)} %, all on the ${c.nodesOnTheKilledInstance} nodes of the SIGKILLed instance, at most ${fmt(c.maxLostSecondsPerNode, 1)} s per node: the accruals it had buffered); elsewhere ${fmt(c.lostSecondsElsewhere, 2)} s on ${c.nodesLosingElsewhere} nodes; double-credited nodes ${c.doubleCredited} |`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:cluster failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
