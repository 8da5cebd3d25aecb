import { performance } from 'node:perf_hooks';

/**
 * A count of simple steps that takes a few milliseconds (for steps that cannot consult a
 * `LoopSlicer` in between, such as one `Array.prototype.sort` call: `sortInSlices` sorts runs of
 * half of it at once).
 */
export const LOOP_SLICE = 5_000;

/**
 * How long a loop that measures its own time (`LoopSlicer`) runs before it yields: well under the
 * 20 ms the event loop may be blocked at a time, leaving room for garbage collection.
 */
export const SLICE_MS = 5;

/** Continuations waiting to run, one per turn of the event loop. */
const waiting: Array<() => void> = [];

/**
 * Lets everything waiting on the event loop (I/O callbacks, timers) run before continuing. Work
 * that yields from several places at once (the shards of a flush) resumes one slice per turn of
 * the loop, not all in one check phase: otherwise their slices would add up to one long block.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (waiting.length === 1) setImmediate(resumeNext);
  });
}

function resumeNext(): void {
  const next = waiting.shift();
  // Scheduled before the continuation runs, so a continuation that yields again queues behind the others.
  if (waiting.length > 0) setImmediate(resumeNext);
  next?.();
}

/**
 * A time budget for a long loop: `due()` (cheap: it reads the clock every 64 calls) turns true
 * once SLICE_MS have passed since the last yield; the loop then awaits `yield()`.
 *
 *   const slicer = new LoopSlicer();
 *   for (const item of items) { if (slicer.due()) await slicer.yield(); … }
 */
export class LoopSlicer {
  private until = performance.now() + SLICE_MS;
  private steps = 0;

  due(): boolean {
    return (++this.steps & 63) === 0 && performance.now() >= this.until;
  }

  /** `due()` for callers that step in chunks of many items: reads the clock every call. */
  spent(): boolean {
    return performance.now() >= this.until;
  }

  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.until = performance.now() + SLICE_MS;
  }
}

/** Items `forChunks` hands to its step at once: a fraction of a millisecond of simple work. */
export const CHUNK = 4_096;

/**
 * Runs `step(start, end)` over 0 … length − 1 in chunks of CHUNK, yielding to the event loop
 * between chunks once the slicer's budget is spent. Hot loops belong in such a plain (non-async)
 * step: V8 optimises a loop with an `await` in it far less well.
 */
export async function forChunks(length: number, step: (start: number, end: number) => void, slicer = new LoopSlicer()): Promise<void> {
  for (let start = 0; start < length; start += CHUNK) {
    if (slicer.spent()) await slicer.yield();
    step(start, Math.min(length, start + CHUNK));
  }
}

/**
 * A sorted copy of `items`, in slices of the event loop: runs of LOOP_SLICE / 2 items sorted at
 * once (a few milliseconds each), then merged pairwise, yielding as the budget runs out. Stable.
 */
export async function sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number, slicer = new LoopSlicer()): Promise<T[]> {
  // Lists that come in order already (nodes drained in id order, rows built in key order) cost one pass.
  let sorted = true;
  for (let start = 1; start < items.length && sorted; start += CHUNK) {
    if (slicer.spent()) await slicer.yield();
    for (let i = start; i < Math.min(items.length, start + CHUNK) && sorted; i++) sorted = compare(items[i - 1]!, items[i]!) <= 0;
  }
  if (sorted) return items.slice();
  const run = LOOP_SLICE / 2;
  let runs: T[][] = [];
  for (let start = 0; start < items.length; start += run) {
    if (start > 0) await slicer.yield();
    runs.push(items.slice(start, start + run).sort(compare));
  }
  if (runs.length === 0) return [];
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let k = 0; k < runs.length; k += 2) {
      const left = runs[k]!;
      const right = runs[k + 1];
      if (right === undefined) {
        merged.push(left);
        continue;
      }
      const out = new Array<T>(left.length + right.length);
      let i = 0;
      let j = 0;
      let o = 0;
      while (i < left.length && j < right.length) {
        if (slicer.due()) await slicer.yield();
        out[o++] = compare(right[j]!, left[i]!) < 0 ? right[j++]! : left[i++]!;
      }
      while (i < left.length) out[o++] = left[i++]!;
      while (j < right.length) out[o++] = right[j++]!;
      merged.push(out);
    }
    runs = merged;
  }
  return runs[0]!;
}

/** Bits of the key `orderInSlices` sorts by in one pass (a counting array of 2^16 entries). */
const RADIX_BITS = 16;
const RADIX = 2 ** RADIX_BITS;
/** Keys up to 2^48 take three passes; larger ones are sorted by comparator. */
const RADIX_LIMIT = 2 ** (3 * RADIX_BITS);

/**
 * The indices 0 … length − 1 of `keys` in ascending key order, stable (equal keys keep their
 * index order), in slices of the event loop. Keys are non-negative integers (ids, or ids combined
 * with a small rank). Below 2^48 (ids, in practice) they are sorted by radix, 16 bits a pass,
 * least significant first: a pass is two linear loops over typed arrays, with no comparison, no
 * object per item and nothing for the garbage collector; larger keys by `sortInSlices` with a
 * comparator. Keys already in order cost one pass.
 */
export async function orderInSlices(keys: Float64Array, length: number, slicer = new LoopSlicer()): Promise<Uint32Array> {
  let order = new Uint32Array(length);
  let largest = 0;
  let sorted = true;
  // Each chunk is thousands of items: the budget is checked per chunk (`spent`), not every 64th call (`due`).
  for (let start = 0; start < length; start += RADIX_CHUNK) {
    if (slicer.spent()) await slicer.yield();
    const end = Math.min(length, start + RADIX_CHUNK);
    for (let i = start; i < end; i++) order[i] = i;
    largest = Math.max(largest, largestOf(keys, start, end));
    sorted &&= inOrder(keys, start, end);
  }
  if (sorted) return order;
  if (largest >= RADIX_LIMIT) {
    order.set(await sortInSlices(Array.from(order), (a, b) => keys[a]! - keys[b]! || a - b, slicer));
    return order;
  }
  let spare = new Uint32Array(length);
  const counts = new Uint32Array(RADIX);
  if (largest < 2 ** 32) {
    // 32-bit keys (most): digits by bit operations on a 32-bit copy, much cheaper than division;
    // the loops run in plain functions over chunks (async loops optimise poorly), a yield check between.
    const narrow = Uint32Array.from(keys.subarray(0, length));
    for (let shift = 0; shift === 0 || (shift < 32 && largest >= 2 ** shift); shift += RADIX_BITS) {
      counts.fill(0);
      for (let start = 0; start < length; start += RADIX_CHUNK) {
        if (slicer.spent()) await slicer.yield();
        countDigits(narrow, shift, start, Math.min(length, start + RADIX_CHUNK), counts);
      }
      for (let digit = 0, place = 0; digit < RADIX; digit++) {
        const count = counts[digit]!;
        counts[digit] = place;
        place += count;
      }
      for (let start = 0; start < length; start += RADIX_CHUNK) {
        if (slicer.spent()) await slicer.yield();
        scatter(narrow, shift, order, spare, start, Math.min(length, start + RADIX_CHUNK), counts);
      }
      [order, spare] = [spare, order];
    }
    return order;
  }
  for (let divisor = 1; divisor <= largest; divisor *= RADIX) {
    counts.fill(0);
    for (let i = 0; i < length; i++) {
      if (slicer.due()) await slicer.yield();
      counts[Math.floor(keys[i]! / divisor) % RADIX]!++;
    }
    // Each digit's first place in the output, then each index scattered to its digit's next place.
    for (let digit = 0, place = 0; digit < RADIX; digit++) {
      const count = counts[digit]!;
      counts[digit] = place;
      place += count;
    }
    for (let k = 0; k < length; k++) {
      if (slicer.due()) await slicer.yield();
      const index = order[k]!;
      spare[counts[Math.floor(keys[index]! / divisor) % RADIX]!++] = index;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

/**
 * `Array.from(values.subarray(0, length))` in slices of the event loop, the array sized once
 * (`Array.from` of a typed array grows its result as it goes: a shard's 250,000 ids took one
 * block of tens of milliseconds).
 */
export async function numbersOf(values: Float64Array, length: number, slicer = new LoopSlicer()): Promise<number[]> {
  const numbers = new Array<number>(length);
  await forChunks(
    length,
    (start, end) => {
      for (let i = start; i < end; i++) numbers[i] = values[i]!;
    },
    slicer,
  );
  return numbers;
}

/**
 * The distinct values of `values[0 … length)` (non-negative integers: ids), ascending, in slices
 * of the event loop: ordered by `orderInSlices` (radix, typed arrays), then each run kept once.
 * What a `Set` of a million ids would do, without the set's rehashing (one long block each time
 * it grows) and with its result in key order.
 */
export async function distinctInSlices(values: Float64Array, length: number, slicer = new LoopSlicer()): Promise<Float64Array> {
  const order = await orderInSlices(values, length, slicer);
  const distinct = new Float64Array(length);
  let count = 0;
  await forChunks(
    length,
    (start, end) => {
      let n = count;
      for (let k = start; k < end; k++) {
        const value = values[order[k]!]!;
        if (n === 0 || distinct[n - 1] !== value) distinct[n++] = value;
      }
      count = n;
    },
    slicer,
  );
  return distinct.subarray(0, count);
}

/**
 * The values of several ascending lists (repeats allowed) merged in order, each value once, in
 * slices of the event loop: the shards' user lists of a flush, which a `Set` of a million ids
 * would merge in long blocks (its rehashing) and out of order.
 */
export async function distinctOfLists(lists: ReadonlyArray<ArrayLike<number>>, slicer = new LoopSlicer()): Promise<number[]> {
  const merged = new Array<number>(lists.reduce((sum, list) => sum + list.length, 0));
  const heads = new Uint32Array(lists.length);
  let count = 0;
  for (;;) {
    if (slicer.spent()) await slicer.yield();
    const next = mergeDistinct(lists, heads, merged, count, CHUNK);
    const done = next - count < CHUNK;
    count = next;
    if (done) break;
  }
  merged.length = count;
  return merged;
}

/** Up to `steps` more values of `distinctOfLists` into `out` from `count` on; the new count (fewer than `steps` more: all merged). */
function mergeDistinct(lists: ReadonlyArray<ArrayLike<number>>, heads: Uint32Array, out: number[], count: number, steps: number): number {
  let n = count;
  for (let step = 0; step < steps; step++) {
    let smallest = Infinity;
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k]!;
      if (heads[k]! < list.length && list[heads[k]!]! < smallest) smallest = list[heads[k]!]!;
    }
    if (smallest === Infinity) break;
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k]!;
      while (heads[k]! < list.length && list[heads[k]!] === smallest) heads[k]!++;
    }
    out[n++] = smallest;
  }
  return n;
}

/** Items of one radix step between yield checks (well under a millisecond). */
const RADIX_CHUNK = 8_192;

function largestOf(keys: Float64Array, start: number, end: number): number {
  let largest = 0;
  for (let i = start; i < end; i++) if (keys[i]! > largest) largest = keys[i]!;
  return largest;
}

/** Whether keys[start − 1 … end) are in ascending order. */
function inOrder(keys: Float64Array, start: number, end: number): boolean {
  for (let i = Math.max(1, start); i < end; i++) if (keys[i]! < keys[i - 1]!) return false;
  return true;
}

function countDigits(keys: Uint32Array, shift: number, start: number, end: number, counts: Uint32Array): void {
  for (let i = start; i < end; i++) counts[(keys[i]! >>> shift) & (RADIX - 1)]!++;
}

function scatter(keys: Uint32Array, shift: number, order: Uint32Array, into: Uint32Array, start: number, end: number, places: Uint32Array): void {
  for (let k = start; k < end; k++) {
    const index = order[k]!;
    into[places[(keys[index]! >>> shift) & (RADIX - 1)]!++] = index;
  }
}

/**
 * A PostgreSQL array literal (`{1,2,3}`) of values that need no quoting (numbers, ISO timestamps,
 * plain decimals), built in slices of the event loop; `format(i)` is row i's element (rows held as
 * columns). Passed as a text parameter and cast in SQL (`$1::bigint[]`), it spares the driver's
 * own array formatting: one synchronous step per array, tens of milliseconds for a shard's 25,000
 * rows.
 */
export async function columnLiteral(length: number, format: (i: number) => string | number, slicer = new LoopSlicer()): Promise<string> {
  const parts: string[] = [];
  const chunk: Array<string | number> = [];
  await forChunks(
    length,
    (start, end) => {
      chunk.length = 0;
      for (let i = start; i < end; i++) chunk.push(format(i));
      parts.push(chunk.join(','));
    },
    slicer,
  );
  return braced(parts);
}

/**
 * `columnLiteral` of integers in a typed array (ids, micro-points below 2^53): each chunk formatted
 * by the typed array's own `join`, with no per-element call.
 */
export async function integersLiteral(values: Float64Array | Uint32Array, length: number, slicer = new LoopSlicer()): Promise<string> {
  const parts: string[] = [];
  await forChunks(length, (start, end) => parts.push(values.subarray(start, end).join(',')), slicer);
  return braced(parts);
}

/**
 * `{part,part,…}` as one flat string, built by one `join`: the braces go onto the first and last
 * (small) parts. A template around the joined text would be a rope that the driver flattens again
 * (another copy of megabytes, in one turn of the event loop) when it writes the parameter.
 */
function braced(parts: string[]): string {
  if (parts.length === 0) return '{}';
  parts[0] = `{${parts[0]!}`;
  parts[parts.length - 1] = `${parts[parts.length - 1]!}}`;
  return parts.join(',');
}
