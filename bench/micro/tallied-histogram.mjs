/**
 * A node socket's per-heartbeat and per-pong metric: prom-client's Histogram#observe against the
 * service's TalliedHistogram (dist), alternating, on the same values (heartbeat gaps around 5 s).
 * Reports CPU per observe and the young-generation collections (scavenges) each caused.
 *
 * Usage: npx tsc -p tsconfig.build.json && node bench/micro/tallied-histogram.mjs [--observes 2000000] [--runs 6]
 */
import { createRequire } from 'node:module';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { join } from 'node:path';
import { Histogram } from 'prom-client';
import { parseArgs, ROOT } from '../lib/proc.mjs';
import { fmt, median } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const { TalliedHistogram } = require(join(ROOT, 'dist/src/modules/metrics/tallied-histogram.js'));
const { observes, runs } = parseArgs(process.argv.slice(2), { observes: 2_000_000, runs: 6 });
const BOUNDS = [0.1, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300];

let scavenges = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
}).observe({ entryTypes: ['gc'] });

// One loop per target, each its own function: a shared loop's call site would be polymorphic.
const prom = new Histogram({ name: 'gap_seconds', help: 'gaps', buckets: BOUNDS, registers: [] });
const tallied = new TalliedHistogram('gap_seconds', 'gaps', BOUNDS);
const targets = {
  'prom-client Histogram': () => {
    for (let i = 0; i < observes; i++) prom.observe(4.9 + (i % 23) * 0.01);
  },
  TalliedHistogram: () => {
    for (let i = 0; i < observes; i++) tallied.observe(4.9 + (i % 23) * 0.01);
  },
};
const figures = Object.fromEntries(Object.keys(targets).map((name) => [name, { ns: [], scavenges: [] }]));
const tick = () => new Promise((resolve) => setImmediate(resolve));
for (let run = 0; run < runs; run++) {
  const order = run % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
  for (const name of order) {
    await tick();
    scavenges = 0;
    const cpu0 = process.cpuUsage();
    targets[name]();
    const cpu = process.cpuUsage(cpu0);
    await new Promise((resolve) => setTimeout(resolve, 20)); // GC entries are delivered asynchronously
    figures[name].ns.push(((cpu.user + cpu.system) * 1000) / observes);
    figures[name].scavenges.push(scavenges);
  }
}
for (const [name, f] of Object.entries(figures)) {
  console.log(`${name.padEnd(22)} ${fmt(median(f.ns), 1)} ns CPU per observe, ${fmt(median(f.scavenges), 0)} scavenges per ${observes.toLocaleString('en')} observes`);
}
const [promFigures, talliedFigures] = Object.values(figures);
console.log(`ratio tallied / prom-client: ${fmt(median(talliedFigures.ns) / median(promFigures.ns), 2)}× CPU per observe`);
