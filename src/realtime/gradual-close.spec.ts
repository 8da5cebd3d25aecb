import { closeGradually } from './gradual-close';

describe('closeGradually', () => {
  afterEach(() => jest.useRealTimers());

  it('closes everything at once when the window is 0', async () => {
    const closed: number[] = [];
    await closeGradually([1, 2, 3], 0, (item) => closed.push(item));
    expect(closed).toEqual([1, 2, 3]);
  });

  it('spreads the closes over the window, in order, none before its turn', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick'] });
    const closedAt: Array<[number, number]> = [];
    const started = performance.now();
    const done = closeGradually([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1000, (item) => closedAt.push([item, performance.now() - started]));
    // The first goes at once; the rest wait for their turn (i × 100 ms).
    expect(closedAt.map(([item]) => item)).toEqual([0]);
    await jest.advanceTimersByTimeAsync(450);
    expect(closedAt.map(([item]) => item)).toEqual([0, 1, 2, 3, 4]);
    await jest.advanceTimersByTimeAsync(600);
    await done;
    expect(closedAt.map(([item]) => item)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [item, at] of closedAt) expect([item, at >= item * 100]).toEqual([item, true]);
  });

  it('with more items than ticks, closes a slice per tick and still ends within the window', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick'] });
    const items = Array.from({ length: 1000 }, (_, i) => i);
    let count = 0;
    let finished = false;
    void closeGradually(items, 500, () => count++, 50).then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(250);
    expect(count).toBeGreaterThanOrEqual(500);
    expect(count).toBeLessThanOrEqual(502);
    await jest.advanceTimersByTimeAsync(260);
    expect([count, finished]).toEqual([1000, true]);
  });
});
