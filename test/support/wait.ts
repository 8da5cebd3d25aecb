/**
 * Polls `condition` until it holds. For state with no event to await (a log line written, a row
 * committed by another process); each poll yields to the event loop, so nothing sleeps blindly.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 10, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
