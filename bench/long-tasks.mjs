/**
 * What ran while the event loop was blocked: the samples of a V8 .cpuprofile (from
 * `node --cpu-prof`) that fall into each block, by this project's innermost frame and by self
 * time (what to slice next).
 *
 * With --gaps (a file written by `bench/flush.mjs --gaps`): the blocks a 1 ms timer measured
 * during the flushes. Without: stretches of consecutive busy samples longer than --min-ms — an
 * upper bound, since back-to-back event-loop turns (a yield with nothing else queued) show no idle
 * sample between them.
 *
 * --last-s N: only blocks that start in the profile's last N seconds (a bench phase at the end of
 * a server's life, such as the heartbeat steps after the memory phase).
 *
 * Usage: node bench/long-tasks.mjs <file.cpuprofile> [--gaps blocks.json] [--min-ms 20] [--top 8] [--last-s N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from './lib/proc.mjs';

const args = process.argv.slice(2);
const file = args.find((arg, i) => !arg.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
const { minMs, top, gaps, lastS } = parseArgs(args, { minMs: 20, top: 8, gaps: '', lastS: 0 });
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const label = (node) => {
  const f = node.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
/** The innermost frame of the project's own compiled code on a sample's stack. */
const ownFrame = (id) => {
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    if (byId.get(at).callFrame.url.includes('/dist/src/')) return label(byId.get(at));
  }
  return '(no project frame)';
};
const NOT_BUSY = new Set(['(idle)', '(program)']);

// Samples with their time (µs, monotonic clock) and how long each lasted.
const samples = [];
let clock = profile.startTime;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  samples.push({ id, at: clock, us: profile.timeDeltas[i + 1] ?? 0 });
});

let windows;
if (gaps !== '') {
  windows = JSON.parse(readFileSync(gaps, 'utf8')).map((gap) => ({ start: gap.startUs, end: gap.endUs }));
} else {
  windows = [];
  let current = null;
  for (const sample of samples) {
    if (NOT_BUSY.has(byId.get(sample.id).callFrame.functionName)) {
      if (current) windows.push(current);
      current = null;
    } else {
      current ??= { start: sample.at, end: sample.at };
      current.end = sample.at + sample.us;
    }
  }
  if (current) windows.push(current);
  windows = windows.filter((window) => (window.end - window.start) / 1000 >= minMs);
}

if (lastS > 0) windows = windows.filter((window) => window.start >= profile.endTime - lastS * 1e6);
console.log(`${file}: ${windows.length} blocks${gaps === '' ? ` (busy stretches of ${minMs} ms or more)` : ` (from ${gaps})`}`);
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
const totals = new Map();
for (const window of windows) {
  const own = new Map();
  const self = new Map();
  for (const sample of samples) {
    if (sample.at < window.start || sample.at >= window.end) continue;
    const name = byId.get(sample.id).callFrame.functionName;
    if (NOT_BUSY.has(name)) continue;
    const frame = name === '(garbage collector)' ? name : ownFrame(sample.id);
    add(own, frame, sample.us);
    add(totals, frame, sample.us);
    add(self, label(byId.get(sample.id)), sample.us);
  }
  console.log(`\n+${((window.start - profile.startTime) / 1e6).toFixed(3)} s: ${((window.end - window.start) / 1000).toFixed(1)} ms`);
  console.log('  by project frame:');
  for (const [key, us] of [...own].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
  console.log('  self time:');
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`    ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
}
console.log('\nall blocks together, by project frame:');
for (const [key, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top * 2)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
