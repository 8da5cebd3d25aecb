/**
 * An epoch's Merkle tree with every proof, two ways on the same random leaves in one process:
 * OpenZeppelin's `StandardMerkleTree.of` + `getProof` per leaf (how the service built it before:
 * all on the event loop, every proof held at once), and the service's `buildSettlementTree`
 * (hashing in a worker thread, proofs made chunk by chunk as the leaves are stored). Reported:
 * wall time, the process's CPU time (the worker thread included), and the longest the event loop was blocked meanwhile —
 * the instance that settles keeps serving its sockets, or does not. Roots must be equal.
 *
 *   node bench/micro/settlement-tree.mjs [--leaves 20000] [--library true]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { parseArgs, ROOT } from '../lib/proc.mjs';
import { loopBlockMeter } from '../lib/loop-blocks.mjs';
import { fmt } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const { buildSettlementTree } = require(join(ROOT, 'dist/src/modules/settlement/settlement-tree.js'));
const o = parseArgs(process.argv.slice(2), { leaves: 20_000, library: true });

const allocations = Array.from({ length: o.leaves }, (_, i) => ({
  account: `0x${randomBytes(20).toString('hex')}`,
  userId: i + 1,
  amount: BigInt(`0x${randomBytes(12).toString('hex')}`),
}));

/** Runs `work` and reports its wall time, process CPU (worker included) and longest event-loop block. */
async function measure(name, work) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const blocks = loopBlockMeter(5);
  delay.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const root = await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // One more turn so that a block at the very end is seen by the timer.
  await new Promise((resolve) => setTimeout(resolve, 10));
  const longest = blocks.stop();
  delay.disable();
  const result = { name, root, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, longestBlockMs: longest };
  console.log(`${name}: ${fmt(wallMs, 0)} ms wall, ${fmt(result.cpuMs, 0)} ms process CPU (worker included), longest event-loop block ${fmt(longest, 0)} ms`);
  return result;
}

const ours = await measure('service (worker + proofs by chunk)', async () => {
  const tree = await buildSettlementTree(allocations);
  let proofs = 0;
  for (const chunk of tree.leafChunks(1_000)) {
    proofs += chunk.length;
    // As the repository does: an await (the INSERT) between chunks.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (proofs !== o.leaves) throw new Error('missing proofs');
  return tree.root;
});
if (o.library !== false && o.library !== 'false') {
  const library = await measure('OpenZeppelin StandardMerkleTree (before)', async () => {
    const tree = StandardMerkleTree.of(allocations.map((a) => [a.account, a.amount.toString()]), ['address', 'uint256']);
    const proofs = [];
    for (const [index] of tree.entries()) proofs.push(tree.getProof(index));
    return tree.root;
  });
  if (library.root !== ours.root) throw new Error(`roots differ: ${library.root} vs ${ours.root}`);
  console.log(`ratio service / library: wall ${fmt(ours.wallMs / library.wallMs, 3)}×, process CPU (worker included) ${fmt(ours.cpuMs / library.cpuMs, 3)}×; same root ${ours.root}`);
}
