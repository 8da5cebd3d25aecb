import { performance } from 'node:perf_hooks';
import { chunksOf, growingChunksOf, TimeSlicer } from './time-slicer';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the unit of work
  }
}

describe('TimeSlicer', () => {
  it('lets other tasks run once a slice has spent its budget, and not before', async () => {
    const slicer = new TimeSlicer(2);
    let otherRan = false;
    setImmediate(() => (otherRan = true));
    await slicer.yieldIfDue(); // nothing spent yet: no yield
    expect(otherRan).toBe(false);
    busy(3);
    await slicer.yieldIfDue();
    expect(otherRan).toBe(true);
  });
});

describe('chunksOf', () => {
  it('cuts a list into consecutive chunks', () => {
    expect([...chunksOf([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...chunksOf([], 2)]).toEqual([]);
  });
});

describe('growingChunksOf', () => {
  it('starts small and doubles up to the largest chunk, keeping every item once and in order', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const chunks = [...growingChunksOf(items, 2, 5)];
    expect(chunks.map((chunk) => chunk.length)).toEqual([2, 4, 5, 5, 4]);
    expect(chunks.flat()).toEqual(items);
  });

  it('never makes an empty or endless chunk out of a nonsensical first size', () => {
    expect([...growingChunksOf([1, 2, 3], 0, 2)]).toEqual([[1], [2, 3]]);
    expect([...growingChunksOf([1, 2, 3], 10, 2)]).toEqual([[1, 2], [3]]);
    expect([...growingChunksOf([], 1, 2)]).toEqual([]);
  });
});
