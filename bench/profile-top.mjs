/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --profile`): the
 * functions with the most self time, and the most total time grouped by source file.
 *
 * Usage: node bench/profile-top.mjs <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from './lib/proc.mjs';

const [file] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const { top } = parseArgs(process.argv.slice(2), { top: 25 });
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const name = (node) => {
  const f = node.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const fnSelf = new Map();
const fileSelf = new Map();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  const key = name(node);
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
  const url = node.callFrame.url || `(${node.callFrame.functionName || 'native'})`;
  const group = url.includes('node_modules/') ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, 'node_modules/$1') : url.replace(/.*\/dist\//, 'dist/').replace(/^node:.*/, 'node: internals');
  fileSelf.set(group, (fileSelf.get(group) ?? 0) + us);
}
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by function:');
for (const [key, us] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${key}`);
console.log('\nself time by package / file:');
for (const [key, us] of [...fileSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${key}`);
