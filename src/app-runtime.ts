import type { DestinationStream } from 'pino';
import { AppConfig } from './config';
import { DatabaseTarget } from './database/data-source-options';

/**
 * Everything the application module needs that is decided at boot rather than read from the
 * environment: the resolved configuration, where the database actually is, and this process's id.
 */
export interface AppRuntime {
  readonly config: AppConfig;
  readonly database: DatabaseTarget;
  /** Unique per process; names this instance in the cluster-wide session registry. */
  readonly instanceId: string;
  /** Where log lines go (stdout when absent); tests capture them here. */
  readonly logDestination?: DestinationStream;
}
