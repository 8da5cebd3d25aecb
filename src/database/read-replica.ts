import { DataSource } from 'typeorm';

/**
 * Runs a lag-tolerant read (history, time series) on a read replica when DATABASE_REPLICA_URLS
 * is set (TypeORM picks one), on the primary otherwise. Anything a client must see right after
 * writing it stays on the primary.
 */
export async function onReadReplica<T>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T> {
  const runner = dataSource.createQueryRunner('slave');
  try {
    return (await runner.query(sql, parameters)) as T;
  } finally {
    await runner.release();
  }
}
