import { AccrualBuffer } from './accrual-buffer';

describe('AccrualBuffer', () => {
  it('sums per node and bucket and drains everything', () => {
    const buffer = new AccrualBuffer();
    buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    buffer.add(1, 10, 0, 30, 500, 0.9, 2_000);
    buffer.add(1, 10, 3_600_000, 5, 80, 0.95, 3_600_500);
    buffer.add(2, 11, 0, 30, 500, 1, 1_500);
    expect(buffer.size).toBe(3);
    const drained = buffer.drain();
    expect(buffer.size).toBe(0);
    expect(drained).toEqual(
      expect.arrayContaining([
        { nodeId: 1, userId: 10, bucketMs: 0, seconds: 60, micro: 1_000, score: 0.9, lastSeenMs: 2_000 },
        { nodeId: 1, userId: 10, bucketMs: 3_600_000, seconds: 5, micro: 80, score: 0.95, lastSeenMs: 3_600_500 },
        { nodeId: 2, userId: 11, bucketMs: 0, seconds: 30, micro: 500, score: 1, lastSeenMs: 1_500 },
      ]),
    );
  });

  it('restores a failed write without losing or doubling anything', () => {
    const buffer = new AccrualBuffer();
    buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    const failed = buffer.drain();
    buffer.add(1, 10, 0, 30, 400, 0.8, 5_000);
    buffer.restore(failed);
    expect(buffer.drain()).toEqual([{ nodeId: 1, userId: 10, bucketMs: 0, seconds: 60, micro: 900, score: 0.8, lastSeenMs: 5_000 }]);
  });
});
