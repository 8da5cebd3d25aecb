import { performance } from 'node:perf_hooks';
import { chunksOf, TimeSlicer } from './time-slicer';

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
    expect(slicer.isDue()).toBe(false); // nothing spent yet
    busy(3);
    expect(slicer.isDue()).toBe(true);
    expect(otherRan).toBe(false);
    await slicer.nextSlice();
    expect(otherRan).toBe(true);
    expect(slicer.isDue()).toBe(false); // a new slice
  });
});

describe('chunksOf', () => {
  it('cuts a list into consecutive chunks', () => {
    expect([...chunksOf([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...chunksOf([], 2)]).toEqual([]);
  });
});
