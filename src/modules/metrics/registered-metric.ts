import { register } from 'prom-client';

/**
 * The metric registered under `name`, made by `create` the first time. prom-client refuses a second
 * registration of a name, and tests start several apps in one process: each app's metrics class
 * takes the one registration of the process.
 */
export function registeredMetric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}
