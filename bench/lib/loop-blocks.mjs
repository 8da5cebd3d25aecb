/**
 * The longest event-loop block while a piece of work runs: a timer that can fire only when the
 * loop is free, whose lateness beyond its period is the block it waited behind.
 */
export function loopBlockMeter(periodMs) {
  let longest = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - periodMs);
    last = now;
  }, periodMs);
  return {
    /** Counts lateness from now on (after a settling wait). */
    restart() {
      last = performance.now();
    },
    /** Stops the timer; the longest block seen, in ms. */
    stop() {
      clearInterval(tick);
      return longest;
    },
  };
}
