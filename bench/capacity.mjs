/**
 * `node bench/capacity.mjs [options]`: the capacity model of docs/CAPACITY.md. From per-unit costs
 * measured by `npm run bench:cluster` (bench/results/cluster.json) and `node bench/flush.mjs`, it
 * prints what a deployment of a given size needs: instances, memory, PostgreSQL and Redis load,
 * and what the reconnect storm after an instance or a zone failure costs.
 *
 * Options (defaults in brackets; every measured figure can be overridden):
 *   --nodes              node sockets                                       [1000000]
 *   --viewers            dashboard sockets                                  [2 % of nodes]
 *   --nodes-per-user     nodes per user                                     [15]
 *   --heartbeat-s        heartbeat interval                                 [30]
 *   --flush-s            EARNINGS_FLUSH_MS / 1000                           [5]
 *   --instance-cores     cores per instance (one Node.js process per core)  [1]
 *   --instance-memory-gb memory per instance                                [2]
 *   --fd-limit           file limit per process (sockets + ~1,000 spare)    [65536]
 *   --zones              availability zones the instances spread over       [3]
 *   --cpu-target         CPU share an instance may use in steady state      [0.5]
 *   --results            measured figures                                   [bench/results/cluster.json]
 *   --rss-per-socket-kb, --cpu-us-per-heartbeat, --cpu-ms-per-connect, --flush-users-per-pg-core-s,
 *   --redis-commands-per-socket-s   override the measured figures
 *   --markdown           print the answer as a Markdown table row set
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, ROOT } from './lib/proc.mjs';

const o = parseArgs(process.argv.slice(2), {
  nodes: 1_000_000,
  viewers: -1,
  nodesPerUser: 15,
  heartbeatS: 30,
  flushS: 5,
  instanceCores: 1,
  instanceMemoryGb: 2,
  fdLimit: 65_536,
  zones: 3,
  cpuTarget: 0.5,
  results: join(ROOT, 'bench', 'results', 'cluster.json'),
  rssPerSocketKb: 0,
  cpuUsPerHeartbeat: 0,
  cpuMsPerConnect: 0,
  flushUsersPerPgCoreS: 0,
  redisCommandsPerSocketS: 0,
  markdown: false,
});

/** Per-unit costs: measured (bench/results/cluster.json) unless given on the command line. */
function unitCosts(options) {
  const measured = existsSync(options.results) ? JSON.parse(readFileSync(options.results, 'utf8')) : null;
  const steady = measured?.phases?.steady;
  const ramp = measured?.phases?.ramp;
  const sockets = measured ? measured.options.nodes + measured.options.viewers : 0;
  const heartbeatsPerSecond = measured ? sockets / (measured.options.heartbeatMs / 1000) : 0;
  const instanceCores = steady ? steady.instanceCpuCores.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) : 0;
  const pick = (given, derived, fallback) => (given > 0 ? { value: given, source: 'given' } : Number.isFinite(derived) && derived > 0 ? { value: derived, source: 'measured' } : { value: fallback, source: 'assumed' });
  return {
    // Memory of one held socket (instance RSS growth per socket, steady state).
    rssPerSocketKb: pick(options.rssPerSocketKb, steady?.rssPerSocketKb, 25),
    // Instance CPU per heartbeat, everything included (timers, flush, pushes, metrics), steady state.
    cpuUsPerHeartbeat: pick(options.cpuUsPerHeartbeat, heartbeatsPerSecond > 0 ? (instanceCores / heartbeatsPerSecond) * 1e6 : NaN, 150),
    // Instance CPU per connect (upgrade, token check, node registration, snapshot).
    cpuMsPerConnect: pick(options.cpuMsPerConnect, ramp?.cpuMsPerConnect, 2),
    // Users one PostgreSQL core writes per second in accrual flushes.
    flushUsersPerPgCoreS: pick(
      options.flushUsersPerPgCoreS,
      // Every instance flushes: users written per second = flushes (of all instances) × users each ÷ time.
      steady && steady.postgresCpuCores > 0 && steady.flushes > 0 ? (steady.flushes * steady.usersPerFlush) / steady.seconds / steady.postgresCpuCores : NaN,
      50_000,
    ),
    // Redis commands per held socket per second (bus, presence, rate limits).
    redisCommandsPerSocketS: pick(options.redisCommandsPerSocketS, sockets > 0 ? steady?.redisCommandsPerSecond / sockets : NaN, 0.1),
  };
}

/** The model: what `options` (nodes, heartbeat, flush, instance size …) needs, from `costs`. */
function plan(options, costs) {
  const viewers = options.viewers >= 0 ? options.viewers : Math.round(options.nodes * 0.02);
  const sockets = options.nodes + viewers;
  const heartbeatsPerSecond = sockets / options.heartbeatS;
  // Sockets one instance carries, by each limit; the smallest wins.
  const byMemory = (options.instanceMemoryGb * 0.7 * 2 ** 20) / costs.rssPerSocketKb.value; // 30 % for the heap's own needs
  const byFiles = options.fdLimit * 0.95 - 1_000;
  const byCpu = (options.instanceCores * options.cpuTarget * 1e6) / (costs.cpuUsPerHeartbeat.value / options.heartbeatS);
  const perInstance = Math.floor(Math.min(byMemory, byFiles, byCpu));
  const limitedBy = perInstance === Math.floor(byMemory) ? 'memory' : perInstance === Math.floor(byFiles) ? 'file limit' : 'CPU';
  // Enough that a whole zone can fail and the rest still hold every socket at the per-instance limit.
  const base = Math.ceil(sockets / perInstance);
  const instances = Math.ceil((base * options.zones) / (options.zones - 1));
  const users = Math.ceil(options.nodes / options.nodesPerUser);
  // A user is written in a flush when one of their nodes beat in its window.
  const activeShare = 1 - Math.exp((-options.nodesPerUser * options.flushS) / options.heartbeatS);
  const usersPerFlush = users * activeShare;
  const flushUsersPerSecond = usersPerFlush / options.flushS;
  const postgresCores = flushUsersPerSecond / costs.flushUsersPerPgCoreS.value;
  const redisCommandsPerSecond = sockets * costs.redisCommandsPerSocketS.value;
  // A zone fails: its sockets reconnect to the others at once; CPU for their connects.
  const zoneSockets = sockets / options.zones;
  const survivorsCores = ((instances * (options.zones - 1)) / options.zones) * options.instanceCores * (1 - options.cpuTarget);
  const zoneStormSeconds = (zoneSockets * costs.cpuMsPerConnect.value) / 1000 / survivorsCores;
  const instanceStormSeconds = ((sockets / instances) * costs.cpuMsPerConnect.value) / 1000 / ((instances - 1) * options.instanceCores * (1 - options.cpuTarget));
  return {
    sockets,
    viewers,
    heartbeatsPerSecond,
    perInstance,
    limitedBy,
    instances,
    memoryGb: (instances * options.instanceMemoryGb),
    users,
    usersPerFlush,
    flushUsersPerSecond,
    postgresCores,
    redisCommandsPerSecond,
    instanceStormSeconds,
    zoneStormSeconds,
  };
}

function main() {
  const costs = unitCosts(o);
  const result = plan(o, costs);
  const n = (v, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d }) : '–');
  const lines = [
    `nodes ${n(o.nodes)}, viewers ${n(result.viewers)}, heartbeat ${o.heartbeatS} s, flush ${o.flushS} s, instances of ${o.instanceCores} core / ${o.instanceMemoryGb} GB over ${o.zones} zones`,
    `per-unit costs: ${Object.entries(costs).map(([k, v]) => `${k} ${n(v.value, 3)} (${v.source})`).join(', ')}`,
    `heartbeats/s         ${n(result.heartbeatsPerSecond)}`,
    `sockets per instance ${n(result.perInstance)} (limited by ${result.limitedBy})`,
    `instances            ${n(result.instances)} (survives the loss of a zone), ${n(result.memoryGb)} GB in all`,
    `PostgreSQL           ${n(result.usersPerFlush)} users per flush, ${n(result.flushUsersPerSecond)} users/s → ${n(result.postgresCores, 1)} cores of flush work on the primary`,
    `Redis                ${n(result.redisCommandsPerSecond)} commands/s`,
    `reconnect storm      one instance lost: ~${n(result.instanceStormSeconds, 1)} s of survivors' spare CPU; a zone lost: ~${n(result.zoneStormSeconds, 1)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (o.markdown) {
    process.stdout.write(
      `| ${n(o.nodes)} | ${n(result.instances)} × ${o.instanceCores} core / ${o.instanceMemoryGb} GB (${n(result.perInstance)} sockets each, ${result.limitedBy}) | ${n(result.flushUsersPerSecond)} users/s → ${n(result.postgresCores, 1)} cores | ${n(result.redisCommandsPerSecond)} /s | ${n(result.instanceStormSeconds, 1)} s / ${n(result.zoneStormSeconds, 1)} s |\n`,
    );
  }
}

main();
