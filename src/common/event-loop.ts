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

  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.until = performance.now() + SLICE_MS;
  }
}

/** `items.map(fn)` in slices of the event loop. */
export async function mapInSlices<T, U>(items: readonly T[], fn: (item: T) => U, slicer = new LoopSlicer()): Promise<U[]> {
  const mapped = new Array<U>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (slicer.due()) await slicer.yield();
    mapped[i] = fn(items[i]!);
  }
  return mapped;
}

/**
 * A sorted copy of `items`, in slices of the event loop: runs of LOOP_SLICE / 2 items sorted at
 * once (a few milliseconds each), then merged pairwise, yielding as the budget runs out. Stable.
 */
export async function sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number, slicer = new LoopSlicer()): Promise<T[]> {
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

/**
 * A PostgreSQL array literal (`{1,2,3}`) of values that need no quoting (numbers, ISO timestamps,
 * plain decimals), built in slices of the event loop. Passed as a text parameter and cast in SQL
 * (`$1::bigint[]`), it spares the driver's own array formatting: one synchronous step per array,
 * tens of milliseconds for a shard's 25,000 rows.
 */
export async function arrayLiteral<T>(items: readonly T[], format: (item: T) => string | number, slicer = new LoopSlicer()): Promise<string> {
  const parts: string[] = [];
  let chunk: Array<string | number> = [];
  for (const item of items) {
    if (slicer.due()) await slicer.yield();
    chunk.push(format(item));
    if (chunk.length === 1_000) {
      parts.push(chunk.join(','));
      chunk = [];
    }
  }
  if (chunk.length > 0) parts.push(chunk.join(','));
  return `{${parts.join(',')}}`;
}
