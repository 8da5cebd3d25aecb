import { performance } from 'node:perf_hooks';

/**
 * Cuts a long loop into tasks of about `budgetMs` each: after each unit of work,
 * `if (slicer.isDue()) await slicer.nextSlice()`. Once the budget is spent the loop waits for the
 * next turn of the event loop (setImmediate), so heartbeats, pongs and other sockets' frames get
 * through between slices instead of queueing behind the whole loop.
 */
export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(private readonly budgetMs: number) {}

  /** Starts a new slice (after an await, the task is a new one anyway). */
  restart(): void {
    this.sliceStart = performance.now();
  }

  /** True once the budget is spent (for loops that check only every so many steps). */
  isDue(): boolean {
    return performance.now() - this.sliceStart >= this.budgetMs;
  }

  /**
   * Waits for the next turn of the event loop and starts a new slice. Loops call it only when
   * `isDue()`: an await per unit of work would cost a promise and a microtask turn each (~3× the
   * check) on paths that run per user or per socket.
   */
  async nextSlice(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}

/** `items` in consecutive chunks of `size`. */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
