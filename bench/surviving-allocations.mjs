/**
 * What a running service allocates that survives the young generation: V8's sampling heap
 * profiler, attached through the inspector, keeps the samples of objects that a scavenge did not
 * collect (promoted, allocated straight in the old generation by V8's pretenuring, or still alive
 * at the end) and drops those it did. Objects that live past a scavenge or two are copied and
 * promoted, so they set how long scavenges take (the event loop's p99 under heartbeats, issue 14);
 * with the pretenured ones they set how fast the old generation grows between full collections.
 *
 * Run it beside a bench phase against a service started with --inspect (bench.mjs starts every
 * server under test that way; its bench.log has the "Debugger listening on ws://…" line):
 *
 *   node bench/surviving-allocations.mjs ws://127.0.0.1:PORT/ID [--ms 10000] [--top 25] [--interval 8192]
 *
 * Prints the sampled bytes by the innermost frame of the project's code (dist/src) and by the
 * allocating function, largest first, per second of the window.
 */
import { createRequire } from 'node:module';
import { parseArgs, sleep } from './lib/proc.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const args = process.argv.slice(2);
const url = args.find((arg, i) => arg.startsWith('ws://') && (i === 0 || !args[i - 1].startsWith('--')));
const { ms, top, interval } = parseArgs(args, { ms: 10_000, top: 25, interval: 8_192 });
if (url === undefined) throw new Error('usage: node bench/surviving-allocations.mjs ws://host:port/id [--ms N] [--top N]');

const socket = new WebSocket(url);
await new Promise((resolve, reject) => {
  socket.once('open', resolve);
  socket.once('error', reject);
});
let nextId = 1;
const pending = new Map();
socket.on('message', (data) => {
  const message = JSON.parse(data.toString());
  const waiter = pending.get(message.id);
  if (waiter === undefined) return;
  pending.delete(message.id);
  if (message.error) waiter.reject(new Error(`${message.error.message}`));
  else waiter.resolve(message.result);
});
const call = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    socket.send(JSON.stringify({ id, method, params }));
  });

await call('HeapProfiler.enable');
await call('HeapProfiler.startSampling', {
  samplingInterval: interval,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: false,
});
await sleep(ms);
const { profile } = await call('HeapProfiler.stopSampling');
socket.close();

const label = (frame) => {
  const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
};
const byOwnFrame = new Map();
const byAllocator = new Map();
let total = 0;
/** The allocating frame and the nearest callers that have a script (builtins have none), innermost first. */
const stackOf = (path) => {
  const frames = [label(path[path.length - 1].callFrame)];
  for (let i = path.length - 2; i >= 0 && frames.length < 3; i--) if (path[i].callFrame.url) frames.push(label(path[i].callFrame));
  return frames.join(' ← ');
};
const walk = (node, ownFrame, path) => {
  const own = node.callFrame.url.includes('/dist/src/') ? label(node.callFrame) : ownFrame;
  path.push(node);
  if (node.selfSize > 0) {
    total += node.selfSize;
    byOwnFrame.set(own, (byOwnFrame.get(own) ?? 0) + node.selfSize);
    const allocator = stackOf(path);
    byAllocator.set(allocator, (byAllocator.get(allocator) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, own, path);
  path.pop();
};
walk(profile.head, '(no project frame)', []);

const perSecond = (bytes) => `${((bytes / ms) * 1000 / 1024).toFixed(1).padStart(8)} KiB/s`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${perSecond(bytes)}  ${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
};
console.log(`surviving allocations over ${ms} ms: ${perSecond(total)} sampled (interval ${interval} B)`);
print('by the innermost project frame', byOwnFrame);
print('by allocating frame ← its nearest callers', byAllocator);
