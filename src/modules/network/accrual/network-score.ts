/**
 * Network quality score in [0, 1], from heartbeat regularity and round-trip time. A healthy node
 * (heartbeats on time, RTT under a quarter second) scores 1; the score moves smoothly (an
 * exponentially weighted average), so one late heartbeat costs a little, a flaky node a lot.
 */

/** Weight of the newest observation in the moving average. */
const SMOOTHING = 0.2;
/** Intervals up to this multiple of the advised period count as on time (jitter, timers). */
const ON_TIME_FACTOR = 1.25;
/** Intervals of this multiple or more count as a miss. */
const MISSED_FACTOR = 2.5;
const GOOD_RTT_MS = 250;
const POOR_RTT_MS = 2_000;
/** The latency factor of a node at or beyond POOR_RTT_MS. */
const POOR_RTT_FACTOR = 0.5;

/** How well one heartbeat interval kept to the advised period: 1 on time, 0 missed. */
export function regularityOf(intervalMs: number, expectedMs: number): number {
  const ratio = intervalMs / expectedMs;
  if (ratio <= ON_TIME_FACTOR) return 1;
  if (ratio >= MISSED_FACTOR) return 0;
  return 1 - (ratio - ON_TIME_FACTOR) / (MISSED_FACTOR - ON_TIME_FACTOR);
}

/** 1 for a fast link (or no measurement yet), falling to 0.5 for a very slow one. */
export function latencyFactorOf(rttMs: number | null): number {
  if (rttMs === null || rttMs <= GOOD_RTT_MS) return 1;
  if (rttMs >= POOR_RTT_MS) return POOR_RTT_FACTOR;
  return 1 - ((rttMs - GOOD_RTT_MS) / (POOR_RTT_MS - GOOD_RTT_MS)) * (1 - POOR_RTT_FACTOR);
}

/** The score after one more heartbeat. New nodes start at 1. */
export function nextScore(previous: number, intervalMs: number, expectedMs: number, rttMs: number | null): number {
  const observed = regularityOf(intervalMs, expectedMs) * latencyFactorOf(rttMs);
  const score = previous + SMOOTHING * (observed - previous);
  return Math.min(1, Math.max(0, score));
}

/** Round-trip time, smoothed the same way. */
export function nextRtt(previous: number | null, sampleMs: number): number {
  return previous === null ? sampleMs : previous + SMOOTHING * (sampleMs - previous);
}
