import { PassOutcome, PassPacer } from './pass-pacer';

/** A pacer over a pass that records when it starts and ends when the test says. */
function setUp(intervalMs = 100) {
  const starts: number[] = [];
  const finishes: Array<(outcome: PassOutcome) => void> = [];
  const pacer = new PassPacer(intervalMs, () => {
    starts.push(Date.now());
    return new Promise<PassOutcome>((resolve) => finishes.push(resolve));
  });
  /** Ends the pass running now. */
  const finish = async (outcome: PassOutcome = 'done') => {
    finishes.shift()!(outcome);
    await jest.advanceTimersByTimeAsync(0);
  };
  return { pacer, starts, finish };
}

describe('PassPacer', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => jest.useRealTimers());

  it('runs a pass at once after a quiet spell, one for many requests', async () => {
    const { pacer, starts, finish } = setUp();
    pacer.request();
    pacer.request();
    await jest.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([1_000_000]);
    await finish();
    pacer.request();
    // Not before an interval from the last start.
    await jest.advanceTimersByTimeAsync(99);
    expect(starts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([1_000_000, 1_000_100]);
    await finish();
    pacer.stop();
  });

  it('serves work requested during a pass when it ends, or an interval after it began, whichever is later', async () => {
    const { pacer, starts, finish } = setUp();
    pacer.request();
    await jest.advanceTimersByTimeAsync(0);
    pacer.request(); // during the pass
    await jest.advanceTimersByTimeAsync(30);
    await finish(); // ended 30 ms in: the next waits for 100 ms from the start
    expect(starts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(70);
    expect(starts).toEqual([1_000_000, 1_000_100]);
    pacer.request(); // during the second pass, which outlasts its interval
    await jest.advanceTimersByTimeAsync(250);
    await finish();
    expect(starts).toEqual([1_000_000, 1_000_100, 1_000_350]);
    await finish();
    // Nothing requested meanwhile: no pass.
    await jest.advanceTimersByTimeAsync(1_000);
    expect(starts).toHaveLength(3);
    pacer.stop();
  });

  it('after a failed pass, waits a whole interval from its end, whatever is requested', async () => {
    const { pacer, starts, finish } = setUp();
    pacer.request();
    await jest.advanceTimersByTimeAsync(150);
    pacer.request();
    await finish('failed');
    await jest.advanceTimersByTimeAsync(99);
    expect(starts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([1_000_000, 1_000_250]);
    await finish();
    pacer.stop();
  });

  it('paces a pass that throws as a failed one, and runs nothing once stopped', async () => {
    let calls = 0;
    const pacer = new PassPacer(100, () => {
      calls += 1;
      return Promise.reject(new Error('boom'));
    });
    pacer.request();
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    // Retried an interval later (the pass re-queued its work), then stopped.
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    pacer.stop();
    pacer.request();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
  });
});
