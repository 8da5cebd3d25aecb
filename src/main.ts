import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { RunningServer, startServer } from './server';

/**
 * Hard limit for a graceful stop beyond the configured waits (SHUTDOWN_DELAY_MS, SHUTDOWN_DRAIN_MS);
 * past it the process exits non-zero rather than hang. It covers the final accrual flush
 * (SHUTDOWN_FLUSH_MS) with time to spare for the spill after it.
 */
const SHUTDOWN_TIMEOUT_MS = 60_000;
const SPILL_SPARE_MS = 30_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // Signal handlers go in first: a SIGTERM during start-up must still end in a graceful stop.
  let server: RunningServer | null = null;
  let requested: NodeJS.Signals | null = null;
  const shutdown = (signal: NodeJS.Signals) => {
    requested ??= signal;
    if (server === null) return; // picked up as soon as the server is up
    const timer = setTimeout(() => {
      process.stderr.write(`Graceful shutdown after ${signal} timed out; exiting\n`);
      process.exit(1);
    }, Math.max(SHUTDOWN_TIMEOUT_MS, server.config.shutdown.flushMs + SPILL_SPARE_MS) + server.config.shutdown.delayMs + server.config.shutdown.drainMs);
    timer.unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${String((error as Error)?.stack ?? error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  server = await startServer(config);
  if (requested !== null) shutdown(requested);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
