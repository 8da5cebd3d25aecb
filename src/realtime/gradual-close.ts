/**
 * Closes `items` spread evenly over `windowMs` (SHUTDOWN_DRAIN_MS): the i-th of n is closed no
 * earlier than i × windowMs / n after the start, a slice per tick. A pod being drained then hands
 * its sockets to the other pods as a steady trickle of reconnects instead of one storm.
 * A window of 0 closes everything at once. Resolves once the last item has been closed.
 */
export function closeGradually<T>(items: readonly T[], windowMs: number, close: (item: T) => void, tickMs = 50): Promise<void> {
  if (windowMs <= 0 || items.length <= 1) {
    items.forEach(close);
    return Promise.resolve();
  }
  const started = performance.now();
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(items.length, Math.floor((items.length * elapsed) / windowMs) + 1);
      for (; next < due; next++) close(items[next]!);
      if (next >= items.length) return resolve();
      // Wake up for the next item's turn, or after a tick when several are due within one.
      const nextTurn = (next * windowMs) / items.length - elapsed;
      setTimeout(tick, Math.max(1, Math.min(tickMs, nextTurn)));
    };
    tick();
  });
}
