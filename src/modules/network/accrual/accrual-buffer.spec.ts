import { AccrualBuffer } from './accrual-buffer';

describe('AccrualBuffer', () => {
  it('sums per node and bucket and drains everything', () => {
    const buffer = new AccrualBuffer();
    buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    buffer.add(1, 10, 0, 30, 500, 0.9, 2_000);
    buffer.add(1, 10, 3_600_000, 5, 80, 0.95, 3_600_500);
    buffer.add(2, 11, 0, 30, 500, 1, 1_500);
    expect(buffer.size).toBe(3);
    const drained = buffer.drain().entries();
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
    expect(buffer.drain().entries()).toEqual([{ nodeId: 1, userId: 10, bucketMs: 0, seconds: 60, micro: 900, score: 0.8, lastSeenMs: 5_000 }]);
  });

  it('keeps the later heartbeat\'s score when a restored row is newer than what came since', () => {
    const buffer = new AccrualBuffer();
    buffer.add(1, 10, 0, 30, 500, 0.7, 9_000);
    const failed = buffer.drain();
    buffer.add(1, 10, 0, 30, 400, 0.8, 5_000); // a clock stepped back meanwhile
    buffer.restore(failed);
    expect(buffer.drain().entries()).toEqual([{ nodeId: 1, userId: 10, bucketMs: 0, seconds: 60, micro: 900, score: 0.7, lastSeenMs: 9_000 }]);
  });

  it('never adds to a row of an earlier window (its node → row map outlives a drain)', () => {
    const buffer = new AccrualBuffer();
    buffer.add(1, 10, 0, 30, 100, 1, 1_000);
    buffer.add(2, 20, 0, 30, 200, 1, 1_000);
    expect(buffer.drain().length).toBe(2);
    // Node 2 takes row 0 of the new window, where node 1 was in the last; then node 1 comes back.
    buffer.add(2, 20, 0, 30, 20, 1, 6_000);
    buffer.add(1, 10, 0, 30, 10, 1, 6_000);
    buffer.add(2, 20, 0, 30, 20, 1, 7_000);
    buffer.add(2, 20, 3_600_000, 1, 5, 1, 3_600_000);
    expect(buffer.drain().entries()).toEqual([
      { nodeId: 2, userId: 20, bucketMs: 0, seconds: 60, micro: 40, score: 1, lastSeenMs: 7_000 },
      { nodeId: 1, userId: 10, bucketMs: 0, seconds: 30, micro: 10, score: 1, lastSeenMs: 6_000 },
      { nodeId: 2, userId: 20, bucketMs: 3_600_000, seconds: 1, micro: 5, score: 1, lastSeenMs: 3_600_000 },
    ]);
    // The map kept is the last bucket's: node 2's entry there points at row 2 of drained columns.
    buffer.add(1, 10, 3_600_000, 1, 1, 1, 3_601_000);
    buffer.add(2, 20, 3_600_000, 1, 1, 1, 3_601_000);
    buffer.add(1, 10, 3_600_000, 1, 1, 1, 3_602_000);
    expect(buffer.drain().entries()).toEqual([
      { nodeId: 1, userId: 10, bucketMs: 3_600_000, seconds: 2, micro: 2, score: 1, lastSeenMs: 3_602_000 },
      { nodeId: 2, userId: 20, bucketMs: 3_600_000, seconds: 1, micro: 1, score: 1, lastSeenMs: 3_601_000 },
    ]);
  });

  it('grows past its first capacity and starts the next window at the size of the last', () => {
    const buffer = new AccrualBuffer();
    const nodes = 3_000;
    for (let round = 0; round < 2; round++) for (let id = 1; id <= nodes; id++) buffer.add(id, id + 100, 0, 1, id, 1, round);
    expect(buffer.size).toBe(nodes);
    const drained = buffer.drain();
    expect(drained.length).toBe(nodes);
    expect(drained.entry(nodes - 1)).toEqual({ nodeId: nodes, userId: nodes + 100, bucketMs: 0, seconds: 2, micro: 2 * nodes, score: 1, lastSeenMs: 1 });
    expect(Array.from(drained.micro.subarray(0, nodes)).reduce((sum, micro) => sum + micro, 0)).toBe(nodes * (nodes + 1));
    buffer.add(7, 8, 3_600_000, 1, 1, 1, 2);
    const next = buffer.drain();
    expect(next.nodeIds.length).toBeGreaterThanOrEqual(nodes);
    expect(next.entries()).toEqual([{ nodeId: 7, userId: 8, bucketMs: 3_600_000, seconds: 1, micro: 1, score: 1, lastSeenMs: 2 }]);
  });
});
