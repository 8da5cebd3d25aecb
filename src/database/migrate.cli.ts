import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config';
import { DatabaseTarget, dataSourceOptions } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';
import { runMigrations } from './migrate';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const embedded = config.database.url === null ? await EmbeddedPostgres.start(config.dataDir) : null;
  const target: DatabaseTarget = {
    url: embedded?.url ?? config.database.url!,
    replicaUrls: [],
    poolSize: 2,
    embedded: embedded !== null,
  };
  const dataSource = await new DataSource(dataSourceOptions(target)).initialize();
  try {
    const ran = await runMigrations(dataSource, { lock: !target.embedded });
    process.stdout.write(ran.length === 0 ? 'No pending migrations\n' : `Ran: ${ran.join(', ')}\n`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
