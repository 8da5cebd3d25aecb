import { DataSource } from 'typeorm';

/** Advisory lock keys of cluster-wide jobs; one place, so no two jobs share a key. */
export const ClusterLockKey = {
  EarningsPartitions: 7_220_010,
  EpochSettlement: 7_220_020,
  EpochPublication: 7_220_025,
  NodePresence: 7_220_030,
  NotificationRetention: 7_220_040,
} as const;

/**
 * Runs `job` on at most one instance at a time: the instance that gets the PostgreSQL advisory
 * lock runs it, the others skip this round (returning `undefined`). On the embedded database
 * there is one instance and one connection, so the job simply runs.
 */
export async function runAsClusterJob<T>(
  dataSource: DataSource,
  key: number,
  options: { embedded: boolean },
  job: () => Promise<T>,
): Promise<T | undefined> {
  if (options.embedded) return job();
  const runner = dataSource.createQueryRunner('master');
  await runner.connect();
  try {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as [
      { locked: boolean },
    ];
    if (!locked) return undefined;
    try {
      return await job();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
