import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { PG_TYPE_PARSERS } from './pg-types';

/** Where the service's database is; an abstract class so that it can be injected. */
export abstract class DatabaseTarget {
  /** Where the primary is. */
  abstract readonly url: string;
  /** Lag-tolerant reads may go here (TypeORM replication); empty for none. */
  abstract readonly replicaUrls: readonly string[];
  abstract readonly poolSize: number;
  /** The embedded PGlite server serves one connection at a time. */
  abstract readonly embedded: boolean;
}

/** TypeORM options for the service, the migration CLI and the tests alike. `synchronize` is never on. */
export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
  const poolSize = target.embedded ? 1 : target.poolSize;
  const extra = {
    max: poolSize,
    types: PG_TYPE_PARSERS,
    // Fail fast when the database is unreachable instead of queueing requests for ever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'depin-dashboard',
  };
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra,
  };
  if (target.replicaUrls.length > 0 && !target.embedded) {
    return {
      ...common,
      replication: {
        master: { url: target.url },
        slaves: target.replicaUrls.map((url) => ({ url })),
        // Reads go to the primary unless a repository asks for a replica (see readReplica),
        // so read-your-writes holds everywhere by default.
        defaultMode: 'master',
      },
    };
  }
  return { ...common, url: target.url };
}
