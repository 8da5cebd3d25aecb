/**
 * What a flush's `earnings.changed` delivery costs NodeUpdatesService inside the (synchronous)
 * publish, for a build and another one (--root, e.g. main) alternated in one process: --users
 * owners with --nodes node sockets each (every one asking for NodeUpdate), one event per owner, as
 * a flush delivers them. No database: the service's repository is never reached (no pass runs).
 *
 * Usage: node bench/micro/node-updates-mark.mjs [--users 1000] [--nodes 15] [--runs 7] [--root DIR]
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { median, nowMs } from '../lib/stats.mjs';
import { parseArgs, ROOT } from '../lib/proc.mjs';

const options = parseArgs(process.argv.slice(2), { users: 1_000, nodes: 15, runs: 7, root: '' });
const builds = [['this build', ROOT], ...(options.root === '' ? [] : [[options.root, options.root]])];

/** The core's side NodeUpdatesService uses: event subscription and the user's sockets. */
function fakeRealtime(users, nodes) {
  const sockets = new Map();
  for (let user = 1; user <= users; user++) {
    sockets.set(user, new Set(Array.from({ length: nodes }, () => ({ role: 'node', updates: new Set(['NodeUpdate']), isOpen: true, isClosed: false }))));
  }
  let handler;
  return {
    onUserEvent: (fn) => (handler = fn),
    connectionsOf: (user) => sockets.get(user) ?? new Set(),
    deliver: (user, event) => handler(user, event),
  };
}

const services = builds.map(([label, root]) => {
  const require = createRequire(join(root, 'package.json'));
  const { NodeUpdatesService } = require(join(root, 'dist/src/modules/network/node-updates.service.js'));
  const realtime = fakeRealtime(options.users, options.nodes);
  const service = new NodeUpdatesService(realtime, {}, { ws: { nodePushMs: 3_600_000 } });
  service.onModuleInit();
  clearInterval(service.timer); // no pass: only the marking is measured
  return { label, realtime, times: [] };
});

const event = { type: 'earnings.changed' };
for (let run = 0; run < options.runs; run++) {
  for (const build of services) {
    const started = nowMs();
    for (let user = 1; user <= options.users; user++) build.realtime.deliver(user, event);
    build.times.push(nowMs() - started);
  }
}
for (const build of services) {
  process.stdout.write(`${build.label}: ${median(build.times).toFixed(2)} ms per flush's events (median of ${options.runs}; ${options.users} owners × ${options.nodes} node sockets)\n`);
}
