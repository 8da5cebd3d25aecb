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
