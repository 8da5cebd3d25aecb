export interface RateLimitState {
  /** Hits counted in the current window, including this one for `hit`. */
  readonly count: number;
  /** Milliseconds until the window resets. */
  readonly resetInMs: number;
}

/**
 * Fixed-window counters for rate limits (login failures per email, auth requests per IP).
 * Faults fail open: a Redis outage must not lock every user out, so a fault reads as zero hits.
 */
export abstract class RateLimitStore {
  /** Counts one hit against `key` in a window of `windowMs` and returns the window's state. */
  abstract hit(key: string, windowMs: number): Promise<RateLimitState>;
  /** The state without counting. */
  abstract peek(key: string): Promise<RateLimitState>;
  abstract reset(key: string): Promise<void>;
}
