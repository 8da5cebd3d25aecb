import { Worker } from 'node:worker_threads';
import { TimeSlicer } from '../../common/time-slicer';

/** OpenZeppelin StandardMerkleTree leaf encoding: what the contract hashes in `claim`. */
export const LEAF_ENCODING = ['address', 'uint256'] as const;

export interface Allocation {
  /** Checksummed address. */
  readonly account: string;
  readonly userId: number;
  /** Cumulative token units. */
  readonly amount: bigint;
}

export interface SettledLeaf extends Allocation {
  readonly proof: string[];
}

const HASH_BYTES = 32;
/** abi.encode(address, uint256): two 32-byte words. */
const LEAF_BYTES = 64;
const UINT256_LIMIT = 1n << 256n;

/**
 * An epoch's Merkle tree, the same as OpenZeppelin's `StandardMerkleTree.of(leaves, ['address',
 * 'uint256'])` builds (leaves double-hashed, sorted by hash, sorted pairs, the same array layout),
 * so anyone can rebuild the root from the published leaves with the library, and the contract's
 * `MerkleProof.verify` accepts the proofs. The tree is kept as one byte array (32 bytes a node);
 * proofs are made as leaves are read, a chunk at a time, never all held at once.
 */
export class SettledTree {
  readonly root: string;
  /** `nodes` as a Buffer: one view, so a hash's hex is read without a Buffer object per hash. */
  private readonly bytes: Buffer;

  constructor(
    private readonly allocations: readonly Allocation[],
    /** Positions in `allocations`, in account order. */
    private readonly accountOrder: Uint32Array,
    nodes: Uint8Array,
    /** Position in `allocations` → index of its leaf in `nodes`. */
    private readonly treeIndexOf: Uint32Array,
  ) {
    this.bytes = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
    this.root = this.hexOf(0);
  }

  get leafCount(): number {
    return this.allocations.length;
  }

  get totalAmount(): bigint {
    return this.allocations.reduce((sum, allocation) => sum + allocation.amount, 0n);
  }

  /** The leaves in account order with their proofs, `size` at a time. */
  *leafChunks(size: number): Generator<SettledLeaf[]> {
    for (let start = 0; start < this.allocations.length; start += size) {
      const chunk: SettledLeaf[] = [];
      for (let k = start; k < Math.min(start + size, this.allocations.length); k++) {
        const position = this.accountOrder[k]!;
        chunk.push({ ...this.allocations[position]!, proof: this.proofOf(position) });
      }
      yield chunk;
    }
  }

  /** Sibling hashes from the leaf of `allocations[position]` up to (not including) the root. */
  private proofOf(position: number): string[] {
    const proof: string[] = [];
    let index = this.treeIndexOf[position]!;
    while (index > 0) {
      proof.push(this.hexOf(index % 2 === 1 ? index + 1 : index - 1));
      index = (index - 1) >> 1;
    }
    return proof;
  }

  private hexOf(index: number): string {
    return `0x${this.bytes.toString('hex', index * HASH_BYTES, (index + 1) * HASH_BYTES)}`;
  }
}

/**
 * Builds the epoch's tree from its allocations (in any order: the same allocations give the same
 * root), or null for none. The sorting and hashing — two keccak256 per leaf and one per inner node,
 * seconds of CPU for a million leaves — run in a worker thread, and the encoding here runs in
 * short slices, so the instance that settles keeps serving its sockets meanwhile.
 */
export async function buildSettlementTree(allocations: readonly Allocation[]): Promise<SettledTree | null> {
  if (allocations.length === 0) return null;
  const { accountOrder, nodes, treeIndexOf } = await hashInWorker(await encodeLeaves(allocations), allocations.length);
  return new SettledTree(allocations, accountOrder, nodes, treeIndexOf);
}

/** abi.encode(address, uint256) of every allocation, back to back (in slices of the event loop). */
async function encodeLeaves(allocations: readonly Allocation[]): Promise<Uint8Array> {
  const slicer = new TimeSlicer(5);
  // Its own ArrayBuffer (never Buffer's shared pool): it is transferred to the worker.
  const bytes = new Uint8Array(allocations.length * LEAF_BYTES);
  const encoded = Buffer.from(bytes.buffer);
  for (let i = 0; i < allocations.length; i++) {
    const allocation = allocations[i]!;
    if (!/^0x[0-9a-fA-F]{40}$/.test(allocation.account)) throw new Error(`Not an address: ${allocation.account}`);
    if (allocation.amount < 0n || allocation.amount >= UINT256_LIMIT) throw new Error(`Not a uint256: ${allocation.amount}`);
    const at = i * LEAF_BYTES;
    encoded.write(allocation.account.slice(2), at + 12, 20, 'hex');
    encoded.write(allocation.amount.toString(16).padStart(64, '0'), at + 32, 32, 'hex');
    if ((i & 255) === 255 && slicer.isDue()) await slicer.nextSlice();
  }
  return bytes;
}

/**
 * The worker's code, given as a string (`eval`) so that it runs the same from the TypeScript
 * sources (tests) and from dist/; the hash module is resolved here and passed in by path.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { keccak_256 } = require(workerData.sha3Path);
const { encoded, count } = workerData;
const H = ${HASH_BYTES};
const compare = (bytes, a, b) => {
  for (let k = 0; k < H; k++) if (bytes[a + k] !== bytes[b + k]) return bytes[a + k] - bytes[b + k];
  return 0;
};
const leafHashes = new Uint8Array(count * H);
for (let i = 0; i < count; i++) leafHashes.set(keccak_256(keccak_256(encoded.subarray(i * ${LEAF_BYTES}, (i + 1) * ${LEAF_BYTES}))), i * H);
const order = new Uint32Array(count).map((_, i) => i).sort((a, b) => compare(leafHashes, a * H, b * H));
// Account order (the order leaves are stored and listed in): the address is bytes 12–31 of a leaf.
const accountOrder = new Uint32Array(count).map((_, i) => i).sort((a, b) => {
  for (let k = 12; k < 32; k++) if (encoded[a * ${LEAF_BYTES} + k] !== encoded[b * ${LEAF_BYTES} + k]) return encoded[a * ${LEAF_BYTES} + k] - encoded[b * ${LEAF_BYTES} + k];
  return 0;
});
const size = 2 * count - 1;
const nodes = new Uint8Array(size * H);
const treeIndexOf = new Uint32Array(count);
for (let k = 0; k < count; k++) {
  const leaf = order[k];
  nodes.set(leafHashes.subarray(leaf * H, leaf * H + H), (size - 1 - k) * H);
  treeIndexOf[leaf] = size - 1 - k;
}
const pair = new Uint8Array(2 * H);
for (let i = size - 1 - count; i >= 0; i--) {
  const left = (2 * i + 1) * H;
  const right = left + H;
  const [low, high] = compare(nodes, left, right) <= 0 ? [left, right] : [right, left];
  pair.set(nodes.subarray(low, low + H), 0);
  pair.set(nodes.subarray(high, high + H), H);
  nodes.set(keccak_256(pair), i * H);
}
parentPort.postMessage({ accountOrder, nodes, treeIndexOf }, [accountOrder.buffer, nodes.buffer, treeIndexOf.buffer]);
`;

interface HashedTree {
  readonly accountOrder: Uint32Array;
  readonly nodes: Uint8Array;
  readonly treeIndexOf: Uint32Array;
}

function hashInWorker(encoded: Uint8Array, count: number): Promise<HashedTree> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { encoded, count, sha3Path: require.resolve('@noble/hashes/sha3') },
      transferList: [encoded.buffer as ArrayBuffer],
    });
    let settled = false;
    worker.once('message', (result: HashedTree) => {
      settled = true;
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`Settlement tree worker exited with code ${code}`));
    });
  });
}
