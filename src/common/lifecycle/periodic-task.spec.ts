import { PeriodicTask } from './periodic-task';

/** Work that runs until the test lets it finish. */
function heldWork(): { work: () => Promise<void>; runs: () => number; finish: () => void } {
  let runs = 0;
  let release: () => void = () => undefined;
  return {
    work: () => {
      runs += 1;
      return new Promise<void>((resolve) => (release = resolve));
    },
    runs: () => runs,
    finish: () => release(),
  };
}

describe('PeriodicTask', () => {
  afterEach(() => jest.useRealTimers());

  it('runs on every tick of its interval, but never twice at once', async () => {
    jest.useFakeTimers();
    const held = heldWork();
    const task = new PeriodicTask(held.work);
    task.start(100);
    jest.advanceTimersByTime(100);
    expect(held.runs()).toBe(1);
    // Ticks while the first run is under way start nothing.
    jest.advanceTimersByTime(300);
    expect(held.runs()).toBe(1);
    held.finish();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(100);
    expect(held.runs()).toBe(2);
    held.finish();
    await task.stop();
  });

  it('stop waits for the run under way, and nothing runs after it', async () => {
    const held = heldWork();
    const task = new PeriodicTask(held.work);
    void task.tick();
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    held.finish();
    await stopping;
    expect(stopped).toBe(true);
    await task.tick();
    task.start(10);
    expect(held.runs()).toBe(1);
  });

  it('goes on after a run that failed', async () => {
    let runs = 0;
    const task = new PeriodicTask(() => {
      runs += 1;
      return Promise.reject(new Error('database down'));
    });
    await task.tick();
    await task.tick();
    expect(runs).toBe(2);
    await task.stop();
  });
});
