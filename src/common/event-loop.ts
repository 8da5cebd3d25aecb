/**
 * Items a long synchronous loop handles between yields to the event loop: a slice of 5,000 simple
 * steps takes a few milliseconds, so heartbeats never wait long behind a flush being built.
 */
export const LOOP_SLICE = 5_000;

/** Lets everything waiting on the event loop (I/O callbacks, timers) run before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
