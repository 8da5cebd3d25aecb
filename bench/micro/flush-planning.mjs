/**
 * The planning side of an accrual flush, without the database: the buffer's 100,000 entries made
 * into a ledger batch (`AccrualFlusher.toBatch`), its plan (`LedgerService.plan`: Network credits
 * summed per user and bucket, referral chains from the cache, three tiers of commission, the
 * qualifiers, nodes in order) and the split into shards (`shard`). Two builds in one process,
 * alternated run by run on the same entries: a baseline (`--base`, a build of main) and this tree's
 * (`--ours`). The referral tree is bench/flush.mjs's: user i (> 1) referred by ⌊(i − 2) / fanout⌋ + 1,
 * one node each. The first run of each build fills the chain cache (the first flush after a
 * start, links loaded through a fake repository: reported on its own); the runs compared are warm.
 *
 * Reported per build: median wall time and CPU time of the planning (process CPU: V8's parallel
 * GC threads included; and the main thread's own CPU time, the event loop's, on Linux), the longest the event loop was blocked (a 1 ms timer's lateness: on a
 * loaded machine also preemption) and the longest GC pause, the CPU time of each step, and the
 * ratios ours / baseline. Every run checks that
 * both builds planned the same credits (amounts summed per user, tier by tier).
 *
 *   node --expose-gc bench/micro/flush-planning.mjs [--users 100000] [--runs 7] [--base /work/base/dist] [--ours dist]
 */
import { createRequire } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { mainThreadMs, parseArgs, ROOT } from '../lib/proc.mjs';
import { loopBlockMeter } from '../lib/loop-blocks.mjs';
import { fmt, median } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const o = parseArgs(process.argv.slice(2), { users: 100_000, runs: 7, fanout: 3, base: '/work/base/dist', ours: 'dist', shards: 4 });
const gc = globalThis.gc ?? (() => undefined);
if (globalThis.gc === undefined) console.warn('run with node --expose-gc: garbage of one run is then not collected in the next');

const config = {
  earnings: {
    flushMs: 5_000,
    flushShards: o.shards,
    flushShardMinUsers: 20_000,
    epochSeconds: 86_400,
    epochGenesis: new Date('2026-01-01T00:00:00Z'),
  },
  referral: { rates: [0.2, 0.1, 0.05], qualifyPoints: 100, bonusPoints: 50 },
  // Where a stop would spill what it could not write (the flusher names its folder after the
  // database); nothing is spilled here.
  dataDir: join(tmpdir(), 'flush-planning'),
  database: { url: 'postgres://bench@127.0.0.1/flush_planning' },
};
const referrerOf = (userId) => Math.floor((userId - 2) / o.fanout) + 1;
/** The repository's one read the planning makes (links of users the chain cache lacks). */
const repository = {
  referralLinksOf: async (_manager, refereeIds) => {
    const ids = Array.from(refereeIds).filter((id) => id > 1);
    // Builds before the 1M round take an array and want row objects; since, a Float64Array and columns.
    if (!(refereeIds instanceof Float64Array)) return ids.map((id) => ({ referralId: id - 1, referrerId: referrerOf(id), refereeId: id, settled: false }));
    return {
      length: ids.length,
      referralIds: Float64Array.from(ids, (id) => id - 1),
      referrerIds: Float64Array.from(ids, referrerOf),
      refereeIds: Float64Array.from(ids),
      settled: new Uint8Array(ids.length),
    };
  },
};
const metrics = new Proxy({}, { get: () => ({ set() {}, inc() {}, observe() {}, setToCurrentTime() {}, startTimer: () => () => 0 }) });

function load(dist) {
  const root = isAbsolute(dist) ? dist : join(ROOT, dist);
  const { LedgerService } = require(join(root, 'src/modules/earnings/ledger.service.js'));
  const { AccrualFlusher } = require(join(root, 'src/modules/network/accrual/accrual-flusher.service.js'));
  const { AccrualBuffer } = require(join(root, 'src/modules/network/accrual/accrual-buffer.js'));
  const ledger = new LedgerService({ manager: {} }, repository, {}, config, {});
  const flusher = new AccrualFlusher(ledger, config, metrics);
  return { root, ledger, flusher, AccrualBuffer, wall: [], cpu: [], main: [], block: [], gc: [] };
}

/** A flush's entries: every user's node earned 0.5 points (plus a little, so amounts differ) in this hour. */
function entriesFor(build, bucketMs, nowMs) {
  const buffer = new build.AccrualBuffer();
  for (let userId = 1; userId <= o.users; userId++) buffer.add(userId, userId, bucketMs, 5, 500_000 + (userId % 997), 1, nowMs);
  return buffer.drain();
}

/** CPU and wall milliseconds of each step, summed over the measured runs. */
const steps = new Map();
const stepWalls = new Map();
async function step(build, name, work) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const key = `${build.root === base?.root ? 'baseline' : 'ours'} ${name}`;
  steps.set(key, (steps.get(key) ?? 0) + (cpu.user + cpu.system) / 1000);
  stepWalls.set(key, (stepWalls.get(key) ?? 0) + wallMs);
  return result;
}

async function plan(build, entries) {
  const batch = await step(build, 'toBatch', () => build.flusher.toBatch(entries));
  const planned = await step(build, 'plan', () => build.ledger.plan(batch));
  const shards = await step(build, 'shard', () => build.ledger.shard(batch.id, planned));
  return { planned, shards };
}

/**
 * Garbage-collection pauses on the main thread, as [start, duration] (ms). Entries arrive some
 * time after their pause (the forced gc() before a run can arrive within it), so a run counts
 * those that started within it.
 */
const gcPauses = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.duration]);
}).observe({ entryTypes: ['gc'] });
const longestGcBetween = (from, to) => Math.max(0, ...gcPauses.filter(([start]) => start >= from && start < to).map(([, duration]) => duration));

/** Runs `work`, with its wall, CPU and main-thread CPU time, the longest event-loop block and GC pause meanwhile. */
async function measure(work) {
  const blocks = loopBlockMeter(1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  blocks.restart();
  gcPauses.length = 0;
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadMs();
  const t0 = performance.now();
  const result = await work();
  const t1 = performance.now();
  const wallMs = t1 - t0;
  const mainMs = mainThreadMs() - main0;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const longest = blocks.stop();
  return { result, wallMs, mainMs, cpuMs: (cpu.user + cpu.system) / 1000, longestMs: Math.max(0, longest), gcMs: longestGcBetween(t0, t1) };
}

/**
 * What the plan credits: per user, Network and Referral sums; per referral, its points (as text,
 * exact). Plans hold rows as objects (`{ userId, amount }`, qualifiers `{ userId, network }`) or as
 * columns (`{ length, userIds | referralIds, amounts }`): both read the same.
 */
function digest({ planned }) {
  const rowsOf = function* (rows, key) {
    if (Array.isArray(rows)) {
      for (const row of rows) yield [row[key], row.amount ?? row.network];
      return;
    }
    const ids = rows[`${key}s`];
    for (let i = 0; i < rows.length; i++) yield [ids[i], rows.amounts[i]];
  };
  const sum = (rows, key) => {
    const map = new Map();
    for (const [id, amount] of rowsOf(rows, key)) map.set(id, (map.get(id) ?? 0n) + BigInt(amount));
    return map;
  };
  const text = (map) => [...map].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(',');
  return [
    text(sum(planned.network, 'userId')),
    text(sum(planned.referral, 'userId')),
    text(sum(planned.referralPoints, 'referralId')),
    text(sum(planned.qualifiers, 'userId')),
    planned.nodes.length,
  ].join('|');
}

/**
 * A full collection, then time for V8 to finish sweeping it (concurrently and lazily, on the next
 * allocations): without the pause the run after a forced gc() pays for sweeping the previous run's
 * garbage, which a service's flush, 5 s after the last one, does not.
 */
async function collectAndSettle() {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
}

let base;
base = load(o.base);
const ours = load(o.ours);
const bucketMs = Date.now() - (Date.now() % 3_600_000);
console.log(`${o.users} users, 3 tiers (fanout ${o.fanout}), ${o.runs} runs each, alternated; baseline ${base.root}, ours ${ours.root}`);
// The first plan of each build loads every link (through the fake repository): the first flush after a start.
for (const build of [base, ours]) {
  const entries = entriesFor(build, bucketMs, Date.now());
  await collectAndSettle();
  const { wallMs, cpuMs, longestMs } = await measure(() => plan(build, entries));
  console.log(`cold cache, ${build === base ? 'baseline' : 'ours'}: ${fmt(wallMs, 0)} ms wall, ${fmt(cpuMs, 0)} ms CPU, longest block ${fmt(longestMs, 0)} ms`);
}

steps.clear();
stepWalls.clear();
for (let run = 1; run <= o.runs; run++) {
  const digests = [];
  for (const build of run % 2 === 1 ? [base, ours] : [ours, base]) {
    const entries = entriesFor(build, bucketMs, Date.now());
    await collectAndSettle();
    const { result, wallMs, mainMs, cpuMs, longestMs, gcMs } = await measure(() => plan(build, entries));
    build.main.push(mainMs);
    build.gc.push(gcMs);
    build.wall.push(wallMs);
    build.cpu.push(cpuMs);
    build.block.push(longestMs);
    digests.push(digest(result));
  }
  if (digests[0] !== digests[1]) throw new Error(`run ${run}: the two builds planned different credits`);
  console.log(`run ${run}: baseline ${fmt(base.wall.at(-1), 0)} ms (block ${fmt(base.block.at(-1), 0)}), ours ${fmt(ours.wall.at(-1), 0)} ms (block ${fmt(ours.block.at(-1), 0)})`);
}

const row = (name, build) =>
  `${name.padEnd(9)} wall ${fmt(median(build.wall), 0).padStart(5)} ms  cpu ${fmt(median(build.cpu), 0).padStart(5)} ms  main thread ${fmt(median(build.main), 0).padStart(5)} ms  longest block median ${fmt(median(build.block), 0)} ms, max ${fmt(Math.max(...build.block), 0)} ms; longest GC pause median ${fmt(median(build.gc), 0)} ms, max ${fmt(Math.max(...build.gc), 0)} ms`;
console.log(row('baseline', base));
console.log(row('ours', ours));
console.log(
  `ratio ours/baseline: wall ${fmt(median(ours.wall) / median(base.wall), 2)}×, cpu ${fmt(median(ours.cpu) / median(base.cpu), 2)}×, main thread ${fmt(median(ours.main) / median(base.main), 2)}×; same credits in every run`,
);
console.log(`CPU per run by step: ${[...steps].map(([name, ms]) => `${name} ${fmt(ms / o.runs, 0)} ms`).join(', ')}`);
console.log(`wall per run by step: ${[...stepWalls].map(([name, ms]) => `${name} ${fmt(ms / o.runs, 0)} ms`).join(', ')}`);
