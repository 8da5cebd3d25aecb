import { DataSource } from 'typeorm';

/** Arbitrary, fixed key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 7_220_001;

/**
 * Runs pending migrations. On a shared PostgreSQL, instances starting together take turns under
 * an advisory lock; the embedded database has one connection and one instance, so no lock.
 * Returns the names of the migrations that ran.
 */
export async function runMigrations(dataSource: DataSource, options: { lock: boolean }): Promise<string[]> {
  if (!options.lock) return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const lockRunner = dataSource.createQueryRunner('master');
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((migration) => migration.name);
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockRunner.release();
  }
}
