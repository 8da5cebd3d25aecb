/** How a pass ended: its work done, or failed (what it held is queued again by the pass itself). */
export type PassOutcome = 'done' | 'failed';

/**
 * Runs a pass (a push of one update type) when there is work for it, at most once per
 * `intervalMs` from start to start, and as soon as that allows: a change after a quiet spell goes
 * out at once rather than at the next tick of a fixed timer (on average half an interval later),
 * and a steady stream of changes is served once per interval. Work requested while a pass runs
 * is served when it ends, or an interval after it began, whichever is later. After a failed
 * pass the next one waits a whole interval, so a database that is down sees no retry storm.
 */
export class PassPacer {
  private lastStartedAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Work was requested while the pass ran. */
  private requested = false;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly pass: () => Promise<PassOutcome>,
  ) {}

  /** There is work: a pass runs as soon as the pace allows (once, however often this is called). */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.requested = true;
      return;
    }
    if (this.timer === null) this.runAt(this.lastStartedAt + this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private runAt(at: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.running = true;
    this.requested = false;
    this.lastStartedAt = Date.now();
    let outcome: PassOutcome;
    try {
      outcome = await this.pass();
    } catch {
      // A pass reports its own failures; one that throws is paced as failed.
      outcome = 'failed';
    }
    this.running = false;
    if (this.stopped) return;
    if (outcome === 'failed') this.runAt(Date.now() + this.intervalMs);
    else if (this.requested) this.runAt(this.lastStartedAt + this.intervalMs);
  }
}
