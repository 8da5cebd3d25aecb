import { readdir } from 'node:fs/promises';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';

/**
 * prom-client defaults whose collection walks every socket of the process, synchronously, at each
 * scrape: `nodejs_active_handles*` (process._getActiveHandles, twice), `nodejs_active_resources*`
 * (getActiveResourcesInfo, twice) and `process_open_fds` (readdirSync of /proc/self/fd). With
 * 15,000 sockets one scrape blocked the event loop 45–190 ms (BENCHMARKS.md, *A quiet event loop*).
 * The socket counts are `dashboard_ws_connections`; the open descriptors are still reported, read
 * off the event loop (below).
 */
const PER_SOCKET_DEFAULTS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total', 'process_open_fds'];

/** Process-wide default metrics (CPU, memory, event-loop delay, GC, …), registered once per process. */
export function collectProcessMetricsOnce(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total') !== undefined) return;
  collectDefaultMetrics();
  for (const name of PER_SOCKET_DEFAULTS) register.removeSingleMetric(name);
  if (process.platform === 'linux') {
    new Gauge({
      name: 'process_open_fds',
      help: 'Number of open file descriptors.',
      async collect() {
        try {
          // The directory's own descriptor is open while it is read.
          this.set((await readdir('/proc/self/fd')).length - 1);
        } catch {
          // Not readable here: the gauge keeps its last value.
        }
      },
    });
  }
}
